import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { parseInput } from '../../platform/validate.ts';
import { staffActor, writeAudit } from '../../platform/audit.ts';
import { staffOf } from '../../platform/auth/guard.ts';
import { AuditFilter, auditPages, searchAudit } from './service.ts';

/** The auditor's own reads of the log are logged too. */
export function registerAuditRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  app.get('/api/audit', { config: { access: 'audit.read' } }, async (req) => {
    const filter = parseInput(AuditFilter, req.query, 'query');
    const result = await searchAudit(db, filter);
    await writeAudit(db, staffActor(staffOf(req)), { action: 'audit.search', detail: { ...filter } }, req);
    return result;
  });

  app.get('/api/audit/export.xlsx', { config: { access: 'audit.read' } }, async (req, reply) => {
    const filter = parseInput(AuditFilter, req.query, 'query');
    await writeAudit(db, staffActor(staffOf(req)), { action: 'audit.export', detail: { ...filter } }, req);
    const out = new PassThrough();
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false });
    const sheet = workbook.addWorksheet('审计日志 audit');
    sheet.columns = [
      { header: '时间 at (UTC)', key: 'at', width: 24 }, { header: '账号 user', key: 'actor_name', width: 16 },
      { header: '角色 role', key: 'role', width: 18 }, { header: '单位 office', key: 'office', width: 20 },
      { header: '区划 region', key: 'region_code', width: 14 }, { header: '操作 action', key: 'action', width: 18 },
      { header: '对象 entity', key: 'entity', width: 10 }, { header: '编号 id', key: 'entity_id', width: 10 },
      { header: '涉及人员 persons', key: 'subjects', width: 24 }, { header: '字段 fields', key: 'fields', width: 20 },
      { header: '事由 reason', key: 'reason', width: 30 }, { header: '结果 outcome', key: 'outcome', width: 10 },
      { header: '来源 ip', key: 'ip', width: 16 },
    ];
    void reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="audit-${new Date().toISOString().slice(0, 10)}.xlsx"`);
    void (async () => {
      try {
        for await (const page of auditPages(db, { ...filter, limit: 1000, offset: 0 })) {
          for (const r of page) sheet.addRow({ ...r, subjects: r.subject_ids.join(' '), fields: r.fields.join(' ') }).commit();
        }
        sheet.commit();
        await workbook.commit();
      } catch (err) {
        out.destroy(err instanceof Error ? err : new Error(String(err)));
      }
    })();
    return reply.send(out);
  });
}
