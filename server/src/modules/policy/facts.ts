/**
 * Shared registry facts (共享事实表) of a family run: the derived tables that several policies of a
 * family join in the same shape (in the assistance family, a household's living members reduced
 * to the aggregates and totals that dibao, dibao-edge and rigid expenditure read) are
 * computed once, stored as an UNLOGGED table for the length of the family run, and read by every
 * later policy that needs exactly the same facts, instead of being computed again per policy.
 *
 * A derived table that reads stored decisions (`policy_latest_verdicts`) changes while the family
 * runs (each policy reads the ones before it): it is shared only as the stored decisions of one
 * policy, among the queries of the other policies that read them (inputs.ts, Joins.decisions),
 * which run after that policy (runOrder) or without it in the family, when its decisions no longer
 * change; the first of them makes the table. A policy reading its own decisions (tekun: an earlier
 * run) reads them from a table of its own run. Two derived tables are "the same" when their SQL is the
 * same text up to the names of their internal joins: the SQL embeds the date and every parameter
 * as literals, so the same text is the same facts.
 *
 * Consequence, documented in the run's behaviour: the policies of one family run decide on one
 * snapshot of the shared facts, taken when the first policy that needs them runs; a registry
 * change made during the run reaches the next run.
 *
 * The tables are UNLOGGED, not TEMP: a temporary table can be read only by the backend that made
 * it, so no parallel worker could read it, and a family's runs may use different connections.
 * They are dropped when the family run ends; ones left by a process that died are dropped by the
 * next family run once older than a day (their name carries their creation time).
 */
import type { Db, Queryable } from '../../platform/db.ts';

const PREFIX = 'policy_facts_';

/**
 * How many parts a chunked table (`chunked`) is made in on PostgreSQL, at the same time, each on
 * a connection of its own without parallel workers: the machine's two cores, as the family runs
 * two policies at once (FAMILY_CONCURRENCY).
 */
const CHUNKS = 2;
const CHUNK_MARK = /\/\*chunk:([A-Za-z_][\w.]*)\*\/true/g;

/**
 * A condition that is true, written into the WHERE of a grouped derived table over the column its
 * rows are grouped by (a household's members by `household_id`): on PostgreSQL, SharedFacts makes
 * such a table in CHUNKS parts, each over the groups whose key leaves one remainder, side by side
 * and without parallel workers. A parallel plan's leader finishes every worker's partial groups
 * alone (the members table: 5.5 M groups, half of its 10.5 s on the 13.6 M city); parts that share
 * no group need no finishing (two halves: 8.0 s, 2026-11-29). Rows whose key is NULL go to the first.
 */
export const chunked = (col: string): string => `/*chunk:${col}*/true`;

/** The SQL of part `k` of `n` of a chunked table (`chunked`), or of the whole table when `n` is 1. */
export function chunkSql(sql: string, k: number, n: number): string {
  return sql.replace(CHUNK_MARK, (_m, col: string) => (n === 1 ? 'true'
    : `(${col} % ${n} = ${k}${k === 0 ? ` OR ${col} IS NULL` : ''})`));
}
/** The fact tables (policy_facts_…) that `sql` reads. */
const tablesRead = (sql: string): string[] => [...sql.matchAll(new RegExp(`\\b${PREFIX}\\w+`, 'g'))].map(([m]) => m);

/** Left-over tables older than this are dropped by the next family run (no run lasts that long). */
const STALE_SECONDS = 24 * 3600;

/** The SQL text with its internal join aliases (`__j12`) renumbered in order of appearance. */
export function canonicalSql(sql: string): string {
  const names = new Map<string, string>();
  return sql.replace(/__j\d+\b/g, (m) => {
    let n = names.get(m);
    if (n === undefined) { n = `__j${names.size + 1}`; names.set(m, n); }
    return n;
  });
}

/** Whether a derived table may be shared across the policies of a family run (reads the registry only). */
export function shareable(sql: string): boolean {
  return !/policy_latest_verdicts\s*\(/.test(sql);
}

/**
 * Counts how many queries of a family derive each table the same way (`SharedFacts.table` of a
 * survey): only a table two or more of them read is worth storing, one read once is cheaper inline.
 */
export class FactSurvey {
  readonly uses = new Map<string, number>();
  /** Records one query's derived tables (each counted once per query). */
  add(sqls: Iterable<string>): void {
    for (const key of new Set([...sqls].map(canonicalSql))) this.uses.set(key, (this.uses.get(key) ?? 0) + 1);
  }
  shared(): Set<string> {
    return new Set([...this.uses].filter(([, n]) => n >= 2).map(([k]) => k));
  }
}

export class SharedFacts {
  private readonly byKey = new Map<string, { table: string; sql: string }>();
  private readonly created = new Set<string>();
  private readonly token: string;
  /** Derived tables seen by the queries built with this object (for a survey). */
  readonly seen: string[] = [];

  /**
   * `only`: the canonical SQL (canonicalSql) of the derived tables to share; others stay inline
   * (undefined: share every one).
   */
  constructor(private readonly only?: ReadonlySet<string>, now: Date = new Date()) {
    this.token = `${Math.floor(now.getTime() / 1000)}_${Math.random().toString(36).slice(2, 8)}`;
  }

  /**
   * A table of this run's own (一次性事实表) that will hold the rows of `sql`, made before the run's
   * query like a shared one, never shared (also when another query derives the same rows: `sql`
   * may read stored decisions, which change as the family runs) and dropped once the run ends
   * (`dropTables`). The planner then knows the rows (analysed) and the run's query can run in
   * parallel workers over them: a grouped derived table in the query is built by the leader alone.
   */
  own(sql: string): string {
    const t = { table: `${PREFIX}${this.token}_${this.byKey.size + 1}`, sql };
    this.byKey.set(`own:${t.table}`, t);
    return t.table;
  }

  /** The table that will hold the rows of `sql` (registered on first sight), or undefined when it stays inline. */
  table(sql: string): string | undefined {
    this.seen.push(sql);
    const key = canonicalSql(sql);
    if (this.only && !this.only.has(key)) return undefined;
    let t = this.byKey.get(key);
    if (!t) {
      t = { table: `${PREFIX}${this.token}_${this.byKey.size + 1}`, sql };
      this.byKey.set(key, t);
    }
    return t.table;
  }

  /** The tables of `names` not yet made, with the SQL that makes them. */
  private missing(names: readonly string[]): Array<{ table: string; sql: string }> {
    return [...this.byKey.values()].filter((t) => names.includes(t.table) && !this.created.has(t.table));
  }

  /**
   * Those of `names` (in their order, once each) whose rows come from the registry alone: their
   * SQL reads no stored decisions, directly or through another of these tables. They may be made
   * at any time of the family run (runFamily makes them ahead of the runs that read them).
   */
  registryOnly(names: readonly string[]): string[] {
    const sqlOf = new Map([...this.byKey.values()].map((t) => [t.table, t.sql]));
    const memo = new Map<string, boolean>();
    const pure = (table: string): boolean => {
      let v = memo.get(table);
      if (v === undefined) {
        memo.set(table, false); // a cycle is impossible (a table reads tables made before it); refuse it anyway
        const sql = sqlOf.get(table);
        v = sql !== undefined && shareable(sql) && tablesRead(sql).every((m) => m === table || pure(m));
        memo.set(table, v);
      }
      return v;
    };
    return [...new Set(names)].filter(pure);
  }

  /** A run's own tables dropped when it ended: the lane that makes tables ahead never makes them again. */
  private readonly retired = new Set<string>();

  /** The tables being made now, by the run that claimed them (ensure): the others wait for it. */
  private readonly making = new Map<string, Promise<void>>();

  /**
   * Makes the tables of `names` that do not exist yet, one after the other, each in a transaction
   * of its own (`settings` first) and analysed so that the planner knows its size. Runs of a family
   * may ask at the same time (runFamily runs independent policies side by side and makes some
   * tables ahead): a table is made by the first that asks, and the others wait until it is
   * committed (`wait: false`, for the lane that makes tables ahead: go on without it, and leave
   * alone a run's own table that the run has already dropped; a table that reads one being made
   * elsewhere still waits for it). Fails when a table it waits for could not be made (with that
   * error).
   */
  async ensure(db: Db, names: readonly string[], settings: readonly string[] = [], wait = true): Promise<void> {
    // Tables being made by another run are waited for at the end, or before a table that reads
    // them: meanwhile this call makes the others (rigid expenditure makes its table of tekun
    // households while the lane finishes the medical sums).
    const elsewhere = new Map<string, Promise<void>>();
    for (const name of new Set(names)) {
      const t = this.missing([name])[0];
      if (!t) continue;
      let work = this.making.get(t.table);
      if (!wait && this.retired.has(t.table)) continue;
      if (work === undefined) {
        if (tablesRead(t.sql).some((r) => elsewhere.has(r))) await Promise.all(elsewhere.values());
        work = this.make(db, t, settings).then(() => { this.created.add(t.table); })
          .finally(() => { this.making.delete(t.table); });
        this.making.set(t.table, work);
        await work;
      } else {
        elsewhere.set(t.table, work);
      }
    }
    if (wait) await Promise.all(elsewhere.values());
  }

  /**
   * Makes one table, analysed: in one transaction, or on PostgreSQL, when its SQL is `chunked`,
   * created empty and filled by CHUNKS transactions at once (a part that fails drops the table).
   */
  private async make(db: Db, t: { table: string; sql: string }, settings: readonly string[]): Promise<void> {
    const parts = db.kind === 'postgres' && new RegExp(CHUNK_MARK.source).test(t.sql) ? CHUNKS : 1;
    if (parts === 1) {
      await db.transaction(async (tx) => {
        for (const s of settings) await tx.exec(s);
        await tx.exec(`CREATE UNLOGGED TABLE ${t.table} AS ${chunkSql(t.sql, 0, 1)}`);
        await tx.exec(`ANALYZE ${t.table}`);
      });
      return;
    }
    await db.transaction(async (tx) => {
      for (const s of settings) await tx.exec(s);
      await tx.exec(`CREATE UNLOGGED TABLE ${t.table} AS ${chunkSql(t.sql, 0, 1)} WITH NO DATA`);
    });
    try {
      const fills = Array.from({ length: parts }, (_, k) => db.transaction(async (tx) => {
        for (const s of settings) await tx.exec(s);
        await tx.exec('SET LOCAL max_parallel_workers_per_gather = 0');
        await tx.exec(`INSERT INTO ${t.table} ${chunkSql(t.sql, k, parts)}`);
      }));
      const failed = (await Promise.allSettled(fills)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      await db.exec(`ANALYZE ${t.table}`);
    } catch (e) {
      await db.exec(`DROP TABLE IF EXISTS ${t.table}`).catch(() => undefined);
      throw e;
    }
  }

  /**
   * The shared table that will hold the rows of `sql` when the family shares one that is neither
   * made nor being made (a run may then make it itself, from rows it has at hand, and report it
   * with `adopted`), else undefined.
   */
  pending(sql: string): string | undefined {
    const key = canonicalSql(sql);
    if (this.only && !this.only.has(key)) return undefined;
    const t = this.byKey.get(key);
    return t && !this.created.has(t.table) && !this.making.has(t.table) ? t.table : undefined;
  }

  /** Records that a run made the table `pending` named (committed): no one makes it again. */
  adopted(table: string): void {
    this.created.add(table);
  }

  /** Drops the tables of `names` that were made (a run's own tables, when it ends). */
  async dropTables(db: Queryable, names: readonly string[]): Promise<void> {
    for (const t of names) {
      this.retired.add(t);
      if (!this.created.has(t)) continue;
      await db.exec(`DROP TABLE IF EXISTS ${t}`);
      this.created.delete(t);
    }
  }

  /** Drops every table this family run made. */
  async drop(db: Queryable): Promise<void> {
    for (const t of this.created) await db.exec(`DROP TABLE IF EXISTS ${t}`);
    this.created.clear();
  }
}

/** Drops shared-fact tables left by family runs whose process died (older than a day). */
export async function sweepSharedFacts(db: Db, now: Date = new Date()): Promise<number> {
  const rows = await db.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'policy\\_facts\\_%'`);
  const cutoff = Math.floor(now.getTime() / 1000) - STALE_SECONDS;
  let n = 0;
  for (const { tablename } of rows) {
    const m = /^policy_facts_(\d+)_[a-z0-9]+_\d+$/.exec(tablename);
    if (m && Number(m[1]) < cutoff) {
      await db.exec(`DROP TABLE IF EXISTS ${tablename}`);
      n++;
    }
  }
  return n;
}
