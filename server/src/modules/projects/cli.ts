/**
 * `minsheng projects import FILE [--year Y]`, `minsheng projects export FILE [--year Y]` (CSV or XLSX
 * by the file's extension; the same format both ways, so an exported file imports unchanged) and
 * `minsheng projects assign-reporter --username U --department CODE`.
 * Exit status 2 when a file is refused (the errors are printed with row and field).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { bootContext } from '../../platform/boot.ts';
import { loadConfig } from '../../platform/config.ts';
import { AppError } from '../../platform/errors.ts';
import type { Db } from '../../platform/db.ts';
import { writeAudit } from '../../platform/audit.ts';
import { exportPlan, importPlanFile, latestPlanYear, planYaml, storePlanMeta } from './plan.ts';
import { assignReporter } from './reporting.ts';

const cliActor = { kind: 'system' as const, userId: null, name: 'cli', role: null, office: null, regionCode: null };

async function withDb(fn: (db: Db) => Promise<number>): Promise<void> {
  const { ctx, close } = await bootContext(loadConfig(), { withMqtt: false });
  try {
    process.exitCode = await fn(ctx.db);
  } catch (err) {
    if (err instanceof AppError) {
      console.error(`projects: ${err.message}`);
      const errors = (err.details.errors as Array<{ row: number; field: string; message: string }> | undefined) ?? [];
      for (const e of errors) console.error(`  row ${e.row}, ${e.field}: ${e.message}`);
      process.exitCode = 2;
    } else throw err;
  } finally {
    await close();
  }
}

const year = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 2000 || n > 2100) throw new Error(`--year must be a year, got "${v}"`);
  return n;
};

export function registerProjectCommand(program: Command): void {
  const cmd = program.command('projects').description('民心工程 plan: import or export the task list (CSV or XLSX, one round-tripping format)');

  cmd.command('import <file>').description('import a task list; all rows valid or nothing stored')
    .option('--year <year>', 'plan year (default: 2026 or the latest loaded)', year)
    .action(async (file: string, opts: { year?: number }) => withDb(async (db) => {
      const y = opts.year ?? (await latestPlanYear(db)) ?? 2026;
      const result = await importPlanFile(db, fs.readFileSync(file), path.basename(file), y);
      await writeAudit(db, cliActor, { action: 'projects.import', entity: 'project_plan', entityId: y, detail: { file: path.basename(file), ...result } });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return 0;
    }));

  cmd.command('export <file>').description('export the task list (.csv or .xlsx)')
    .option('--year <year>', 'plan year (default: the latest loaded)', year)
    .action(async (file: string, opts: { year?: number }) => withDb(async (db) => {
      let y = opts.year ?? (await latestPlanYear(db));
      if (y === undefined) {
        // Nothing loaded yet: the plan files of the data directory are the starting point.
        const meta = planYaml(2026);
        if (!meta) throw new AppError('not_found', 'no plan loaded');
        await db.transaction((tx) => storePlanMeta(tx, meta));
        y = 2026;
      }
      const format = /\.xlsx$/i.test(file) ? 'xlsx' : 'csv';
      fs.writeFileSync(file, await exportPlan(db, y, format));
      process.stdout.write(`${JSON.stringify({ year: y, file, format })}\n`);
      return 0;
    }));

  cmd.command('assign-reporter').description('say which department a staff account reports for')
    .requiredOption('--username <name>', 'staff account').requiredOption('--department <code>', 'department code, e.g. city-management')
    .action(async (opts: { username: string; department: string }) => withDb(async (db) => {
      const [u] = await db.query<{ id: number }>('SELECT id FROM staff_user WHERE username = $1', [opts.username]);
      if (!u) throw new AppError('not_found', `no staff account ${opts.username}`);
      const [d] = await db.query('SELECT 1 FROM project_department WHERE code = $1', [opts.department]);
      if (!d) throw new AppError('validation', `department: unknown code ${opts.department}`, { field: 'department' });
      await assignReporter(db, u.id, opts.department, 'cli');
      process.stdout.write(`${JSON.stringify({ username: opts.username, department: opts.department })}\n`);
      return 0;
    }));
}
