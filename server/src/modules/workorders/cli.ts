/**
 * `minsheng calendar load FILE` (a year's holiday notice as overrides, .csv or .json rows: date,
 * workday, name, source; UTF-8 or GBK) and `minsheng workorders list`. Exit status: 0 done, 2 bad input.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../platform/config.ts';
import { bootContext } from '../../platform/boot.ts';
import { AppError } from '../../platform/errors.ts';
import { importOverrides, parseCalendarCsv } from '../calendar/service.ts';
import { listWorkOrders } from './service.ts';
import { WorkOrderStatus } from './types.ts';

function cliActor(): string {
  try { return `cli:${os.userInfo().username}`; } catch { return 'cli'; }
}

const guarded = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => async (...args: A): Promise<void> => {
  try {
    await fn(...args);
  } catch (err) {
    if (err instanceof AppError) {
      console.error(`error: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
};

async function withDb(fn: (ctx: Awaited<ReturnType<typeof bootContext>>['ctx']) => Promise<void>): Promise<void> {
  const { ctx, close } = await bootContext(loadConfig(), { withMqtt: false });
  try { await fn(ctx); } finally { await close(); }
}

export function registerWorkOrderCommand(program: Command): void {
  const calendar = program.command('calendar').description('the working-day calendar: load a year\'s official notice as overrides');
  calendar.command('load <file>').description('load overrides from a CSV (date,workday,name,source / 日期,是否工作日,名称,来源) or JSON array file; all rows or none')
    .action(guarded(async (file: string) => {
      let bytes: Buffer;
      try { bytes = fs.readFileSync(file); } catch (e) { throw new AppError('bad_request', `cannot read ${file}: ${(e as Error).message}`, { field: 'file' }); }
      // Notices saved by Excel on Chinese Windows are GBK/GB18030: read UTF-8 when valid, else GB18030.
      let text: string;
      try { text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { text = new TextDecoder('gb18030').decode(bytes); }
      let rows: Array<Record<string, unknown>>;
      let rowOffset = 0;
      if (file.toLowerCase().endsWith('.json')) {
        let parsed: unknown;
        try { parsed = JSON.parse(text); } catch (e) { throw new AppError('validation', `${file} is not valid JSON: ${(e as Error).message}`, { field: 'file' }); }
        if (!Array.isArray(parsed)) throw new AppError('validation', `${file}: expected a JSON array of rows`, { field: 'file' });
        rows = parsed as Array<Record<string, unknown>>;
      } else {
        rows = parseCalendarCsv(text);
        rowOffset = 1;
      }
      await withDb(async (ctx) => {
        const r = await importOverrides(ctx.db, rows, cliActor(), { rowOffset });
        console.log(`loaded ${r.loaded} days for ${r.years.join(', ')}`);
      });
    }));

  const wo = program.command('workorders').description('work orders (工单) of every module');
  wo.command('list').description('list work orders, most urgent first')
    .option('--type <type>', 'only this type (verification, alarm, …)')
    .option('--status <list>', `comma-separated: ${WorkOrderStatus.join(',')}`)
    .option('--region <code>', 'region code prefix (district, street or community)')
    .option('--overdue', 'only overdue orders')
    .option('--limit <n>', 'at most this many', '50')
    .option('--json', 'print JSON')
    .action(guarded(async (opts: { type?: string; status?: string; region?: string; overdue?: boolean; limit: string; json?: boolean }) => {
      const status = opts.status?.split(',').map((s) => s.trim());
      const badStatus = status?.find((s) => !(WorkOrderStatus as readonly string[]).includes(s));
      if (badStatus !== undefined) throw new AppError('validation', `--status: unknown status "${badStatus}"`, { field: 'status' });
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new AppError('validation', '--limit: a whole number 1–500', { field: 'limit' });
      await withDb(async (ctx) => {
        const { items, total } = await listWorkOrders(ctx.db, {
          type: opts.type, status: status as Array<(typeof WorkOrderStatus)[number]> | undefined, regionPrefix: opts.region?.replace(/(000)+$/, ''), overdue: opts.overdue ? true : undefined, limit,
        });
        if (opts.json) { console.log(JSON.stringify({ items, total }, null, 2)); return; }
        for (const o of items) {
          const who = o.assignee.label ?? (o.assignee.userId !== undefined ? `user ${o.assignee.userId}` : `${o.assignee.role ?? '?'}@${o.assignee.gridId ?? o.assignee.regionCode ?? o.regionCode}`);
          console.log(`${o.id}\t${o.type}\t${o.status}${o.overdue ? ' OVERDUE' : ''}\t${o.dueAt ?? '-'}\t${who}\t${o.title}`);
        }
        console.error(`${items.length} of ${total} work orders`);
      });
    }));
}
