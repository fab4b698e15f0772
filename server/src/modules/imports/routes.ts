/**
 * Import endpoints. An upload is streamed to a temporary file, answered with 202 {id} and imported
 * in the background; the console follows it with GET /api/imports/:id. `?wait=1` answers the
 * finished job instead (scripts, tests). Rejected rows come back as an XLSX to fix and re-import.
 * Jobs, like the rows in them, are personal data: a user sees the jobs they started, a city-wide
 * role sees all; every start, finish and download is in the audit log.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ImportKind, type ImportJob } from '@minsheng/contracts';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import type { Db } from '../../platform/db.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { parseInput } from '../../platform/validate.ts';
import { staffActor, writeAudit, type AuditActor } from '../../platform/audit.ts';
import { scopeOf, staffOf } from '../../platform/auth/guard.ts';
import { COLUMNS, headerKey } from './headers.ts';
import { getJob, jobHeader, listJobs, rejectedRows } from './job.ts';
import { finishAudit, runImport, startJob } from './run.ts';

export const samplesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'samples');

const IdParams = z.object({ id: z.coerce.number().int().positive() });
const WaitQuery = z.object({ wait: z.enum(['0', '1', 'true', 'false']).optional() });
const SampleParams = z.object({ file: z.enum(['persons.csv', 'households.csv', 'relations.csv']) });

/** The header label a rejected-rows sheet shows for a field: the file's own column name if it had one. */
function fieldLabel(kind: ImportJob['kind'], header: readonly string[], field: string): string {
  const spec = COLUMNS[kind].find((c) => c.field === field);
  if (!spec) return field;
  const keys = new Set(spec.aliases.map(headerKey));
  return header.find((h) => keys.has(headerKey(h))) ?? spec.label;
}

const ADDED_COLUMNS = ['错误字段', '错误原因', '原行号'];

/** Streams the rejected rows of a job as an XLSX: the file's columns, then 错误字段, 错误原因, 原行号. */
export async function writeRejectedXlsx(db: Db, id: number, out: Writable): Promise<void> {
  const info = await jobHeader(db, id);
  if (!info) throw notFound(`import ${id}`);
  const header = info.header ?? [];
  // A file that was itself such a download: its old reason columns are not repeated.
  const keep = header.map((h, i) => (ADDED_COLUMNS.includes(h.trim()) ? -1 : i)).filter((i) => i >= 0);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet('未导入的行');
  ws.addRow([...keep.map((i) => header[i]), ...ADDED_COLUMNS]).commit();
  for await (const page of rejectedRows(db, id)) {
    for (const r of page) {
      ws.addRow([...keep.map((i) => r.cells[i] ?? ''), fieldLabel(info.kind, header, r.field), r.message, r.row]).commit();
    }
    // Let a slow download drain before the next page is read.
    if (out.writableNeedDrain) await once(out, 'drain');
  }
  ws.commit();
  await wb.commit();
}

export function registerImportRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  const running = new Set<Promise<unknown>>();
  const stopping = new AbortController();
  // On shutdown, running imports stop after their current batch and are marked as interrupted.
  app.addHook('onClose', async () => {
    stopping.abort();
    await Promise.allSettled([...running]);
  });

  /** The jobs a caller may see: their own, or all with a city-wide import role. */
  const visibleTo = (req: FastifyRequest): string | null => (scopeOf(req, 'imports.run').all ? null : staffOf(req).username);
  const findVisible = async (req: FastifyRequest, id: number): Promise<ImportJob> => {
    const job = await getJob(db, id);
    const only = visibleTo(req);
    if (!job || (only !== null && job.startedBy !== only)) throw notFound(`import ${id}`);
    return job;
  };

  app.post('/api/imports', { config: { access: 'imports.run' } }, async (req, reply) => {
    const { wait } = parseInput(WaitQuery, req.query, 'query');
    if (!req.isMultipart()) {
      throw new AppError('unsupported_media', 'send the file as multipart/form-data: a field "kind" (persons, households or relations), then the file in "file"');
    }
    const staff = staffOf(req);
    const scope = scopeOf(req, 'imports.run');
    // The parts in any order: the file goes to a temporary file as it arrives, `kind` is read too.
    const tmp = path.join(os.tmpdir(), `minsheng-import-${randomUUID()}`);
    let kindValue: unknown;
    let fileName: string | undefined;
    try {
      for await (const part of req.parts()) {
        if (part.type === 'field') {
          if (part.fieldname === 'kind') kindValue = part.value;
        } else if (fileName === undefined && part.fieldname === 'file') {
          fileName = part.filename || 'upload';
          await pipeline(part.file, fs.createWriteStream(tmp));
          if (part.file.truncated) throw Object.assign(new Error('truncated'), { code: 'FST_REQ_FILE_TOO_LARGE' });
        } else {
          part.file.resume();
        }
      }
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new AppError('too_large', 'file: the file is larger than this server accepts for an upload; split it, or import it with the command line (npx minsheng import <kind> <file>)', { field: 'file' });
      }
      throw err;
    }
    const kind = ImportKind.find((k) => k === kindValue);
    if (!kind || fileName === undefined) {
      await fs.promises.rm(tmp, { force: true });
      if (!kind) throw new AppError('validation', `kind: must be persons, households or relations (got ${kindValue === undefined ? 'none' : JSON.stringify(kindValue)})`, { field: 'kind' });
      throw new AppError('validation', 'file: the upload holds no file (a part named "file")', { field: 'file' });
    }
    const actor = { name: staff.username };
    const auditActor: AuditActor = staffActor(staff);
    const id = await startJob(db, kind, fileName, actor);
    await writeAudit(db, auditActor, { action: 'import.start', entity: 'import', entityId: id, detail: { kind, fileName } }, req);
    req.log.info({ importId: id, kind, fileName }, 'import started');
    const task = runImport(db, id, { kind, filePath: tmp, actor, scope, signal: stopping.signal })
      .then(async (result) => {
        req.log.info({ importId: id, status: result.job.status, accepted: result.job.accepted, rejected: result.job.rejected }, 'import finished');
        await writeAudit(db, auditActor, finishAudit(result));
      })
      .catch((err: unknown) => { req.log.error({ err, importId: id }, 'import could not be finished'); })
      .finally(() => fs.promises.rm(tmp, { force: true }));
    running.add(task);
    void task.finally(() => running.delete(task));
    if (wait === '1' || wait === 'true') {
      await task;
      return reply.status(200).send(await findVisible(req, id));
    }
    return reply.status(202).send({ id });
  });

  app.get('/api/imports', { config: { access: 'imports.run' } }, async (req) => ({ items: await listJobs(db, visibleTo(req)) }));

  app.get('/api/imports/:id', { config: { access: 'imports.run' } }, async (req) => findVisible(req, parseInput(IdParams, req.params, 'id').id));

  app.get('/api/imports/:id/rejected.xlsx', { config: { access: 'imports.run' } }, async (req, reply) => {
    const { id } = parseInput(IdParams, req.params, 'id');
    const job = await findVisible(req, id);
    await writeAudit(db, staffActor(staffOf(req)), { action: 'import.rejected-download', entity: 'import', entityId: id, detail: { rejected: job.rejected } }, req);
    const out = new PassThrough();
    writeRejectedXlsx(db, id, out).catch((err: unknown) => { req.log.error({ err, importId: id }, 'rejected rows download failed'); out.destroy(err as Error); });
    const name = `${job.fileName.replace(/\.(csv|xlsx|txt)$/i, '')}-未导入.xlsx`;
    return reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="rejected-${id}.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}`)
      .send(out);
  });

  app.get('/api/imports/samples/:file', { config: { access: 'staff' } }, async (req, reply) => {
    const { file } = parseInput(SampleParams, req.params, 'file');
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file}"`)
      .send(fs.createReadStream(path.join(samplesDir, file)));
  });
}
