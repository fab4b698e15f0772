/**
 * `minsheng demo [--persons N] [--seed S] [--as-of DATE]` builds the demo city into an empty
 * registry; `ensureDemoCity` does it on the first start of the embedded (PGlite) mode.
 */
import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { bootContext } from '../../platform/boot.ts';
import { loadConfig, type Config } from '../../platform/config.ts';
import type { AppContext } from '../../platform/context.ts';
import { DEMO_AS_OF } from './generate.ts';
import { buildDemoCity, DEFAULT_SEED, DemoRefused, MAX_DEMO_PERSONS } from './write.ts';
import { ensureDemoEldercare } from '../eldercare/demo.ts';
import { ensureDemoProjects } from '../projects/demo.ts';

/** Bad command-line input exits with status 2. */
function invalid(message: string): InvalidArgumentError {
  const err = new InvalidArgumentError(message);
  err.exitCode = 2;
  return err;
}

export function parsePersons(v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_DEMO_PERSONS) {
    throw invalid(`--persons must be a whole number from 1 to ${MAX_DEMO_PERSONS}, got "${v}"`);
  }
  return n;
}

export function parseSeed(v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw invalid(`--seed must be a whole number from 0 to 4294967295, got "${v}"`);
  return n;
}

export function parseAsOf(v: string, today: Date = new Date()): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v.trim());
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  const real = m && new Date(t).toISOString().slice(0, 10) === v.trim();
  if (!real || Number(m[1]) < 2000 || t > today.getTime()) {
    throw invalid(`--as-of must be a date YYYY-MM-DD from 2000-01-01 to today, got "${v}"`);
  }
  return v.trim();
}

export function registerDemoCommand(program: Command): void {
  program.command('demo')
    .description('build a deterministic synthetic city (households, persons, grids, grid workers) into an empty registry')
    .option('--persons <n>', `number of persons, 1 to ${MAX_DEMO_PERSONS} (default: DEMO_PERSONS or 20000)`, parsePersons)
    .option('--seed <s>', 'random seed: the same seed and size give the same city', parseSeed, DEFAULT_SEED)
    .option('--as-of <date>', 'reference date for ages', (v: string) => parseAsOf(v), DEMO_AS_OF)
    .action(async (opts: { persons?: number; seed: number; asOf: string }) => {
      const config = loadConfig();
      const persons = opts.persons ?? (config.demoPersons > 0 ? Math.min(config.demoPersons, MAX_DEMO_PERSONS) : 20_000);
      const { ctx, close } = await bootContext(config, { withMqtt: false });
      const bar = new cliProgress.SingleBar({
        stream: process.stderr, hideCursor: true, etaBuffer: 20,
        format: 'demo city |{bar}| {percentage}% | {value}/{total} persons | {duration_formatted} elapsed, ETA {eta_formatted}',
      }, cliProgress.Presets.shades_classic);
      bar.start(persons, 0);
      try {
        const summary = await buildDemoCity(ctx.db, {
          persons, seed: opts.seed, asOf: opts.asOf, onProgress: (done) => bar.update(done),
        });
        bar.stop();
        process.stdout.write(`${JSON.stringify({ db: ctx.db.kind, ...summary }, null, 2)}\n`);
      } catch (err) {
        bar.stop();
        if (err instanceof DemoRefused) {
          console.error(`demo: ${err.message}`);
          process.exitCode = 1;
          return;
        }
        throw err;
      } finally {
        await close();
      }
    });
}

/**
 * In demo mode (the embedded default, or DEMO=1): builds config.demoPersons persons when the
 * registry is empty. DEMO_PERSONS=0 skips it.
 */
export async function ensureDemoCity(ctx: AppContext, config: Config): Promise<void> {
  if (config.demo) await ensureDemoProjects(ctx.db); // the 民心工程 plan (data files) and example reports
  if (!config.demo || config.demoPersons <= 0) return;
  const [row] = await ctx.db.query<{ present: boolean }>('SELECT EXISTS (SELECT 1 FROM person) AS present');
  if (row?.present) return;
  if (config.demoPersons > MAX_DEMO_PERSONS) throw new Error(`Invalid setting DEMO_PERSONS: at most ${MAX_DEMO_PERSONS}`);
  console.log(`[demo] empty registry: building a demo city of ${config.demoPersons} persons (DEMO_PERSONS=0 to skip)`);
  try {
    const s = await buildDemoCity(ctx.db, { persons: config.demoPersons });
    console.log(`[demo] built ${s.persons} persons in ${s.households} households, ${s.grids} grids, ${s.gridWorkers} grid workers in ${s.seconds} s`);
    console.log(`[demo] enrolled ${await ensureDemoEldercare(ctx.db)} elders living alone in the safety guard, with devices and a roster`);
  } catch (err) {
    if (err instanceof DemoRefused) { console.log(`[demo] skipped: ${err.message}`); return; }
    throw err;
  }
}
