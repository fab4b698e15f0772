/**
 * `minsheng policy list|describe|eval|test|run|whatif` (`run --family assistance` runs a set in order). list, describe, eval and test read the
 * policy files only (no database is opened); run and whatif open the configured database.
 * Exit status: 0 done (an ineligible decision is a result, not an error); 1 failing tests or a
 * failed run; 2 bad input (message names the field).
 */
import fs from 'node:fs';
import os from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { formatLoadError, formatTestReport, runPolicyTests } from '@minsheng/rules';
import { AppError } from '../../platform/errors.ts';
import { PolicyCatalogue } from './catalogue.ts';
import { FAMILIES, runOrder } from './inputs.ts';
import * as service from './service.ts';

class ExitError extends Error {
  constructor(message: string, readonly exitCode: number) { super(message); }
}

const invalid = (message: string): InvalidArgumentError => {
  const err = new InvalidArgumentError(message);
  err.exitCode = 2;
  return err;
};

function parseDate(v: string): string {
  const d = new Date(`${v.trim()}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v.trim()) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v.trim()) throw invalid(`--on must be a date YYYY-MM-DD, got "${v}"`);
  return v.trim();
}

function parseSet(v: string, prev: Record<string, unknown> = {}): Record<string, unknown> {
  const i = v.indexOf('=');
  if (i <= 0) throw invalid(`--set must be param=value, got "${v}"`);
  const name = v.slice(0, i).trim();
  const text = v.slice(i + 1).trim();
  let value: unknown;
  try { value = JSON.parse(text); } catch { value = text; }
  return { ...prev, [name]: value };
}

const catalogueOf = (opts: { dir?: string }): PolicyCatalogue => new PolicyCatalogue(opts.dir);

function cliActor(): string {
  try { return `cli:${os.userInfo().username}`; } catch { return 'cli'; }
}

/** Runs an action; AppErrors and ExitErrors print their message and set the exit status. */
const guarded = <A extends unknown[]>(fn: (...args: A) => Promise<void>) => async (...args: A): Promise<void> => {
  try {
    await fn(...args);
  } catch (e) {
    if (e instanceof ExitError) { console.error(e.message); process.exitCode = e.exitCode; return; }
    if (e instanceof AppError) { console.error(e.message); process.exitCode = e.code === 'validation' || e.code === 'not_found' ? 2 : 1; return; }
    throw e;
  }
};

function readInput(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new ExitError(`--input: cannot read ${file}: ${(e as Error).message}`, 2);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ExitError(`--input: ${file === '-' ? 'standard input' : file} is not valid JSON: ${(e as Error).message}`, 2);
  }
}

export function registerPolicyCommand(program: Command): void {
  const policy = program.command('policy').description('policies as code: list, describe, evaluate, test, batch-run over the registry, what-if');
  const dirOpt = ['--dir <dir>', 'policy directory (default: policies/ of the repository, or MINSHENG_POLICY_DIR)'] as const;

  policy.command('list').description('the loaded policies, and files that failed to load').option(...dirOpt)
    .action(guarded(async (opts: { dir?: string }) => {
      const c = catalogueOf(opts);
      for (const e of c.all) {
        const p = e.policy;
        console.log(`${e.id}\tv${p.version}\t${p.entity}\t${p.effective.from} – ${p.effective.to ?? ''}\t${p.title.zh}`);
      }
      for (const err of c.errors) console.error(`error: ${formatLoadError(err)}`);
      console.error(`${c.all.length} policies, ${c.errors.length} load errors`);
    }));

  policy.command('describe <id>').description('inputs, parameters (with their dated values), conditions and outcomes')
    .option('--on <date>', 'describe the version in effect on this date', parseDate).option('--json', 'print JSON').option(...dirOpt)
    .action(guarded(async (id: string, opts: { on?: string; json?: boolean; dir?: string }) => {
      const c = catalogueOf(opts);
      let d: ReturnType<typeof service.policyDetail>;
      try { d = service.policyDetail(c, c.get(id, opts.on)); } catch (e) { throw service.toAppError(e); }
      if (opts.json) { console.log(JSON.stringify(d, null, 2)); return; }
      const out: string[] = [];
      out.push(`${d.id} v${d.version} — ${d.title.zh}${d.title.en ? ` (${d.title.en})` : ''}`);
      out.push(`source: 《${d.source.document}》 ${d.source.published}; effective ${d.effective.from} – ${d.effective.to ?? 'open-ended'}; entity: ${d.entity}`);
      out.push('', 'inputs:', JSON.stringify(d.inputs, null, 2));
      out.push('', 'parameters:');
      for (const p of d.parameters) {
        out.push(`  ${p.name}${p.unit ? ` (${p.unit})` : ''}${p.description ? ` — ${p.description}` : ''}`);
        for (const v of p.values) out.push(`    from ${v.from}: ${v.display}${v.example ? '  [示例值 example]' : v.source ? `  《${v.source.document}》${v.source.article ? ` ${v.source.article}` : ''}` : ''}`);
      }
      out.push('', 'conditions:');
      for (const k of d.conditions) out.push(`  ${k.id}: ${k.reason.zh}\n      ${k.expr.replace(/\s+/g, ' ')}`);
      out.push('', `outcomes: ${d.outcomes.join(', ')}`);
      console.log(out.join('\n'));
    }));

  policy.command('eval <id>').description('evaluate one input; prints the decision as JSON')
    .requiredOption('--on <date>', 'the date to decide for', parseDate)
    .requiredOption('--input <file>', 'input JSON file, or - for standard input')
    .option('--trace', 'include the full explanation').option(...dirOpt)
    .action(guarded(async (id: string, opts: { on: string; input: string; trace?: boolean; dir?: string }) => {
      const input = readInput(opts.input);
      const d = service.evaluateOne(catalogueOf(opts), id, opts.on, input);
      console.log(JSON.stringify(opts.trace ? d : service.publicDecision(d), null, 2));
    }));

  policy.command('test [id]').description('run the test cases written in the policy files').option('-q, --quiet', 'failures only').option(...dirOpt)
    .action(guarded(async (id: string | undefined, opts: { quiet?: boolean; dir?: string }) => {
      const c = catalogueOf(opts);
      let passed = 0;
      let failed = 0;
      const brokenFiles = new Set(c.errors.filter((e) => id === undefined || e.file === `policies/${id}.yaml`).map((e) => e.file));
      for (const err of c.errors) if (brokenFiles.has(err.file)) console.log(`error: ${formatLoadError(err)}`);
      failed += brokenFiles.size;
      const entries = id === undefined ? c.all : c.all.filter((e) => e.id === id || e.policy.id === id);
      if (id !== undefined && entries.length === 0 && brokenFiles.size === 0) throw new ExitError(`no policy ${id} is loaded`, 2);
      for (const e of entries) {
        const r = runPolicyTests(e.policy);
        passed += r.passed;
        failed += r.failed;
        const text = formatTestReport({ ...r, policy: e.id });
        console.log(opts.quiet ? text.split('\n').filter((l, i) => i === 0 || !l.startsWith('  ok')).join('\n') : text);
      }
      console.log(`${passed} passed, ${failed} failed`);
      if (failed > 0) process.exitCode = 1;
    }));

  policy.command('run [id]').description('decide everyone in the registry in one SQL query per policy and store the decisions; --family runs a set, each policy after the ones whose decisions it reads')
    .requiredOption('--on <date>', 'the date to decide for', parseDate)
    .option('--family <name>', `run a family of policies, each after the ones whose decisions it reads, the others side by side (${Object.keys(FAMILIES).join(', ')})`)
    .option(...dirOpt)
    .action(guarded(async (id: string | undefined, opts: { on: string; family?: string; dir?: string }) => {
      if ((id === undefined) === (opts.family === undefined)) throw new ExitError('policy run: name one policy id, or --family NAME (not both)', 2);
      const c = catalogueOf(opts);
      if (opts.family !== undefined) {
        const ids = FAMILIES[opts.family];
        if (!ids) throw new ExitError(`--family: no family "${opts.family}" (known: ${Object.keys(FAMILIES).join(', ')})`, 2);
        const order = runOrder(ids);
        for (const p of order) if (!c.has(p)) throw new ExitError(`--family ${opts.family}: policy ${p} is not loaded`, 2);
        await withDb(async (db) => {
          const { systemScope } = await import('../../platform/auth/scope.ts');
          const started = Date.now();
          console.error(`running ${order.length} policies on ${opts.on}, each after the ones whose decisions it reads: ${order.join(', ')}`);
          const r = await service.runFamily(db, c, ids, opts.on, systemScope(), cliActor(), (s) => {
            // The run's own time: runs that do not read each other overlap.
            const seconds = (Date.parse(s.finishedAt ?? '') - Date.parse(s.startedAt)) / 1000;
            console.error(`${s.policyId}: run ${s.id}, ${s.total} decided, ${s.eligible} eligible, ${s.errors} errors (${seconds.toFixed(1)} s)`);
          });
          for (const s of r.runs) await audit(db, 'policy.run', s.policyId, { runId: s.id, on: opts.on, total: s.total, family: opts.family });
          console.log(JSON.stringify({ family: opts.family, ...r, seconds: (Date.now() - started) / 1000 }, null, 2));
          if (r.failed) throw new ExitError(`${r.failed.policy} failed: ${r.failed.message} (the policies after it were not run)`, 1);
        });
        return;
      }
      await withDb(async (db) => {
        const { systemScope } = await import('../../platform/auth/scope.ts');
        const started = Date.now();
        const summary = await service.runPolicy(db, c, id as string, opts.on, systemScope(), cliActor());
        await audit(db, 'policy.run', id as string, { runId: summary.id, on: opts.on, total: summary.total });
        console.log(JSON.stringify({ ...summary, seconds: (Date.now() - started) / 1000 }, null, 2));
      });
    }));

  policy.command('whatif <id>').description('how many decisions and how much monthly budget change with other parameter values')
    .requiredOption('--on <date>', 'the date to decide for', parseDate)
    .requiredOption('--set <param=value>', 'a parameter value (repeatable; JSON values, e.g. --set dibaoStandard=1300)', parseSet)
    .option(...dirOpt)
    .action(guarded(async (id: string, opts: { on: string; set: Record<string, unknown>; dir?: string }) => {
      const c = catalogueOf(opts);
      await withDb(async (db) => {
        const { systemScope } = await import('../../platform/auth/scope.ts');
        const r = await service.whatIf(db, c, id, opts.on, opts.set, systemScope());
        await audit(db, 'policy.whatif', id, { on: opts.on, set: opts.set, total: r.total });
        console.log(JSON.stringify(r, null, 2));
      });
    }));
}

type Db = import('../../platform/db.ts').Db;

/** Opens the configured database only for the commands that need it. */
async function withDb(fn: (db: Db) => Promise<void>): Promise<void> {
  const { bootContext } = await import('../../platform/boot.ts');
  const { loadConfig } = await import('../../platform/config.ts');
  const { ctx, close } = await bootContext(loadConfig(), { withMqtt: false });
  try { await fn(ctx.db); } finally { await close(); }
}

async function audit(db: Db, action: string, id: string, detail: Record<string, unknown>): Promise<void> {
  const { writeAudit } = await import('../../platform/audit.ts');
  await writeAudit(db, { kind: 'system', userId: null, name: cliActor(), role: null, office: null, regionCode: null }, { action, entity: 'policy', entityId: id, fields: ['registry'], detail });
}
