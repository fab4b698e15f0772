/**
 * Writes the demo city with COPY, in chunks of about 50,000 persons, each chunk one transaction
 * (households and persons reference each other through deferred foreign keys). While one chunk is
 * being written the next is generated, so on PostgreSQL the server and Node work side by side.
 */
import { createHash, type Hash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Db, Queryable } from '../../platform/db.ts';
import { COPY, gridCsv, gridWorkerCsv, householdCsv, relationCsv } from './csv.ts';
import {
  CityGenerator, DEMO_AS_OF, planCity, type CityPlan, type CommunityBatch, type DemoCommunity, type DemoOptions, type DemoStats,
} from './generate.ts';

export const DEFAULT_SEED = 20_260_701;
export const MAX_DEMO_PERSONS = 20_000_000;

export interface BuildOptions {
  persons: number;
  seed?: number;
  asOf?: string;
  /** Persons per transaction (default 50,000). */
  chunkPersons?: number;
  /** Transactions written at once (default 2 on PostgreSQL, 1 on PGlite). */
  parallel?: number;
  onProgress?: (written: number, total: number) => void;
}

export interface DemoSummary {
  persons: number; households: number; grids: number;
  gridsByKind: { general: number; micro: number; dedicated: number };
  gridWorkers: number; relations: number;
  /** Share of persons aged 60+ on the reference date. */
  aged60Plus: number;
  /** Persons aged 60+ living alone (独居). */
  livingAlone: number;
  livingAloneWithChildElsewhere: number;
  disabled: number;
  /** Persons in low-income households (monthly per-capita income below 1,000 CNY). */
  lowIncome: number;
  lowIncomeHouseholds: number;
  seed: number; asOf: string;
  /** sha256 of everything written: same seed, size and date give the same digest anywhere. */
  digest: string;
  seconds: number;
}

/** The demo city is built only into an empty registry. */
export class DemoRefused extends Error {}

export async function loadCommunities(db: Queryable): Promise<DemoCommunity[]> {
  return db.query<DemoCommunity>(
    `SELECT c.code, c.name, s.code AS "streetCode", s.name AS "streetName", d.code AS "districtCode", d.name AS "districtName"
     FROM region c JOIN region s ON s.code = c.parent_code JOIN region d ON d.code = s.parent_code
     WHERE c.level = 'community' ORDER BY c.code`);
}

/** Digests of each stream, so the final digest does not depend on the chunk size. */
class Digests {
  private readonly parts: Record<'grids' | 'workers' | 'households' | 'persons' | 'relations', Hash> = {
    grids: createHash('sha256'), workers: createHash('sha256'), households: createHash('sha256'),
    persons: createHash('sha256'), relations: createHash('sha256'),
  };
  add(part: keyof Digests['parts'], text: string): void { this.parts[part].update(text); }
  final(): string {
    const all = createHash('sha256');
    for (const h of Object.values(this.parts)) all.update(h.digest('hex'));
    return all.digest('hex');
  }
}

interface Chunk { households: string; persons: string; relations: string; count: number }

function toChunk(batches: readonly CommunityBatch[], digests: Digests): Chunk {
  let households = '', persons = '', relations = '', count = 0;
  for (const b of batches) {
    const csv = householdCsv(b.households);
    households += csv.households;
    persons += csv.persons;
    relations += relationCsv(b.relations);
    for (const h of b.households) count += h.members.length;
  }
  digests.add('households', households);
  digests.add('persons', persons);
  digests.add('relations', relations);
  return { households, persons, relations, count };
}

/**
 * Generates the whole city without a database and returns its digest and stats (tests, and a
 * quick check that two machines produce the same city).
 */
export function cityDigest(communities: readonly DemoCommunity[], opts: DemoOptions): { digest: string; stats: DemoStats; plan: CityPlan } {
  const plan = planCity(communities, opts);
  const digests = new Digests();
  digests.add('grids', gridCsv(plan.grids));
  digests.add('workers', gridWorkerCsv(plan.workers));
  const gen = new CityGenerator(plan, opts);
  for (const batch of gen.communities()) toChunk([batch], digests);
  return { digest: digests.final(), stats: gen.stats, plan };
}

export async function buildDemoCity(db: Db, opts: BuildOptions): Promise<DemoSummary> {
  const started = performance.now();
  if (!Number.isInteger(opts.persons) || opts.persons < 1 || opts.persons > MAX_DEMO_PERSONS) {
    throw new RangeError(`persons must be a whole number from 1 to ${MAX_DEMO_PERSONS}`);
  }
  const [existing] = await db.query<{ persons: boolean; households: boolean; grids: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM person) AS persons, EXISTS (SELECT 1 FROM household) AS households, EXISTS (SELECT 1 FROM grid) AS grids`);
  if (existing?.persons || existing?.households || existing?.grids) {
    const what = existing.persons ? 'persons' : existing.households ? 'households' : 'grids';
    throw new DemoRefused(`the registry already has ${what}; the demo city is built only into an empty registry (use a fresh DATA_DIR or database)`);
  }
  const communities = await loadCommunities(db);
  const [ids] = await db.query<{ person: number; household: number }>(
    'SELECT coalesce((SELECT max(id) FROM person), 0) AS person, coalesce((SELECT max(id) FROM household), 0) AS household');
  const genOpts: DemoOptions = {
    persons: opts.persons, seed: opts.seed ?? DEFAULT_SEED, asOf: opts.asOf ?? DEMO_AS_OF,
    firstPersonId: (ids?.person ?? 0) + 1, firstHouseholdId: (ids?.household ?? 0) + 1,
  };
  const plan = planCity(communities, genOpts);
  const gen = new CityGenerator(plan, genOpts);
  const digests = new Digests();
  const grids = gridCsv(plan.grids), workers = gridWorkerCsv(plan.workers);
  digests.add('grids', grids);
  digests.add('workers', workers);

  const chunkPersons = opts.chunkPersons ?? 50_000;
  // PostgreSQL takes two chunks at once (two connections), PGlite one. Another transaction's
  // foreign keys see a row only once it is committed, so the first chunk (with the grids) commits
  // alone, and the relations, which point at persons of earlier chunks, come last (they are few:
  // about 4 per 100 persons), which also numbers them the same on every run.
  const parallel = Math.max(1, opts.parallel ?? (db.kind === 'postgres' ? 2 : 1));
  let written = 0;
  let chunksStarted = 0;
  let failure: unknown;
  const inFlight: Array<Promise<void>> = [];
  const relations: string[] = [];
  const write = async (chunk: Chunk): Promise<void> => {
    while (inFlight.length > 0 && (inFlight.length >= parallel || written === 0)) await inFlight.shift();
    if (failure) return;
    const withGrids = chunksStarted++ === 0;
    if (chunk.relations) relations.push(chunk.relations);
    inFlight.push(db.transaction(async (tx) => {
      await tx.exec('SET LOCAL synchronous_commit = off');
      if (withGrids) {
        await tx.copyFromCsv(COPY.grid, grids);
        await tx.copyFromCsv(COPY.gridWorker, workers);
      }
      await tx.copyFromCsv(COPY.household, chunk.households);
      await tx.copyFromCsv(COPY.person, chunk.persons);
    }).then(() => {
      written += chunk.count;
      opts.onProgress?.(written, opts.persons);
    }, (err: unknown) => { failure ??= err; }));
  };

  let batches: CommunityBatch[] = [];
  let inBatch = 0, sinceYield = 0;
  for (const batch of gen.communities()) {
    if (failure) break;
    batches.push(batch);
    let n = 0;
    for (const h of batch.households) n += h.members.length;
    inBatch += n;
    sinceYield += n;
    if (inBatch >= chunkPersons) {
      // The next chunk is generated while the previous ones are written.
      await write(toChunk(batches, digests));
      batches = [];
      inBatch = 0;
    }
    // Let the COPY in flight make progress while the next chunk is generated.
    if (sinceYield >= 2_000) { sinceYield = 0; await nextTurn(); }
  }
  if (!failure && (batches.length > 0 || chunksStarted === 0)) await write(toChunk(batches, digests));
  await Promise.all(inFlight);
  if (failure) throw failure;
  if (relations.length > 0) await db.transaction((tx) => tx.copyFromCsv(COPY.relation, relations.join('')));

  await db.exec(`SELECT setval(pg_get_serial_sequence('person', 'id'), (SELECT max(id) FROM person));
    SELECT setval(pg_get_serial_sequence('household', 'id'), (SELECT max(id) FROM household));
    ANALYZE region, grid, grid_worker, household, person, person_relation`);

  const s = gen.stats;
  const kinds = { general: 0, micro: 0, dedicated: 0 };
  for (const g of plan.grids) kinds[g.kind]++;
  return {
    persons: s.persons, households: s.households, grids: plan.grids.length, gridsByKind: kinds,
    gridWorkers: plan.workers.length, relations: s.relations,
    aged60Plus: Math.round(s.aged60Plus / Math.max(1, s.persons) * 10_000) / 10_000,
    livingAlone: s.livingAlone, livingAloneWithChildElsewhere: s.livingAloneWithChildElsewhere, disabled: s.disabled,
    lowIncome: s.lowIncomePersons, lowIncomeHouseholds: s.lowIncomeHouseholds,
    seed: genOpts.seed, asOf: genOpts.asOf ?? DEMO_AS_OF, digest: digests.final(),
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}
