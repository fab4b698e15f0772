/**
 * One small database interface over two engines: PGlite (PostgreSQL in WASM, the embedded
 * default) and node-postgres (a real server). The same SQL runs on both; the type parsers below
 * make both return the same JS values (bigint/numeric -> number, date -> 'YYYY-MM-DD',
 * timestamps -> ISO-8601 strings in UTC).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFromStream } from 'pg-copy-streams';

export type DbKind = 'pglite' | 'postgres';

export interface Queryable {
  query<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several statements, no parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /** `COPY table (cols) FROM STDIN WITH (FORMAT csv)` fed with CSV text. */
  copyFromCsv(copySql: string, csv: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: DbKind;
  /** Runs fn in one transaction; a nested call joins the outer transaction. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const OID = { int8: 20, numeric: 1700, date: 1082, timestamp: 1114, timestamptz: 1184 } as const;

const toIso = (v: string): string => {
  // PostgreSQL text form: '2026-11-22 09:53:09.123+00' (timestamptz, session in UTC)
  const withZone = /[+-]\d{2}(:?\d{2})?$/.test(v) ? v : `${v}Z`;
  return new Date(withZone.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')).toISOString();
};
const parsers: Record<number, (v: string) => unknown> = {
  [OID.int8]: Number,
  [OID.numeric]: Number,
  [OID.date]: (v) => v,
  [OID.timestamp]: toIso,
  [OID.timestamptz]: toIso,
};

class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(private readonly pg: PGlite) {}

  static async open(dataDir: string | undefined, image?: Blob): Promise<PgliteDb> {
    if (dataDir) fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    const pg = await PGlite.create(dataDir ?? 'memory://', { parsers, ...(image ? { loadDataDir: image } : {}) });
    // Dates print as YYYY-MM-DD (DateStyle ISO): compiled policy queries read a date column as its text (inputs.ts dateText).
    await pg.exec(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO'`);
    return new PgliteDb(pg);
  }

  /** The whole data directory as an uncompressed tarball, which `openDb({ pgliteImage })` starts from. */
  async image(): Promise<Blob> { return this.pg.dumpDataDir('none'); }

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.pg.query<T>(sql, params as unknown[])).rows;
  }
  async exec(sql: string): Promise<void> { await this.pg.exec(sql); }
  async copyFromCsv(copySql: string, csv: string): Promise<void> {
    await this.pg.query(copySql.replace(/FROM\s+STDIN/i, `FROM '/dev/blob'`), [], { blob: new Blob([csv]) });
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) => fn(pgliteTx(tx)));
  }
  async close(): Promise<void> { await this.pg.close(); }
}

function pgliteTx(tx: Transaction): Queryable {
  return {
    query: async <T extends object>(sql: string, params: readonly unknown[] = []) => (await tx.query<T>(sql, params as unknown[])).rows,
    exec: async (sql: string) => { await tx.exec(sql); },
    copyFromCsv: async (copySql: string, csv: string) => {
      await tx.query(copySql.replace(/FROM\s+STDIN/i, `FROM '/dev/blob'`), [], { blob: new Blob([csv]) });
    },
  };
}

const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    parsers[oid] ?? pg.types.getTypeParser(oid, format ?? 'text'),
};

function clientQueryable(client: pg.PoolClient | pg.Pool): Queryable {
  return {
    query: async <T extends object>(sql: string, params: readonly unknown[] = []) =>
      (await client.query<T & pg.QueryResultRow>(sql, params as unknown[])).rows as T[],
    exec: async (sql: string) => { await client.query(sql); },
    copyFromCsv: async (copySql: string, csv: string) => {
      if (!('release' in client)) throw new Error('copyFromCsv needs a dedicated client');
      await pipeline(Readable.from([csv]), client.query(copyFromStream(copySql)));
    },
  };
}

class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  private readonly base: Queryable;
  constructor(private readonly pool: pg.Pool) { this.base = clientQueryable(pool); }

  static async open(url: string, maxConnections = 10): Promise<PostgresDb> {
    const pool = new pg.Pool({ connectionString: url, max: maxConnections, types: pgTypes, options: '-c TimeZone=UTC -c DateStyle=ISO' });
    // An idle client losing its connection must not crash the process.
    pool.on('error', (err) => { console.error('[db] idle client error:', err.message); });
    await pool.query('SELECT 1');
    return new PostgresDb(pool);
  }

  query<T extends object>(sql: string, params?: readonly unknown[]): Promise<T[]> { return this.base.query<T>(sql, params); }
  exec(sql: string): Promise<void> { return this.base.exec(sql); }
  async copyFromCsv(copySql: string, csv: string): Promise<void> {
    const client = await this.pool.connect();
    try { await clientQueryable(client).copyFromCsv(copySql, csv); } finally { client.release(); }
  }
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(clientQueryable(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
  async close(): Promise<void> { await this.pool.end(); }
}

/**
 * Opens PostgreSQL when a URL is given, otherwise PGlite under dataDir (or in memory), starting from
 * `pgliteImage` (a data directory tarball from `pgliteImage()`) when given.
 */
export async function openDb(opts: { databaseUrl?: string | undefined; pgliteDir?: string | undefined; pgliteImage?: Blob | undefined }): Promise<Db> {
  if (opts.databaseUrl) return PostgresDb.open(opts.databaseUrl);
  return PgliteDb.open(opts.pgliteDir, opts.pgliteImage);
}

/** The data directory of a PGlite database as a tarball (what the test suite's fresh databases start from). */
export async function pgliteImage(db: Db): Promise<Blob> {
  if (!(db instanceof PgliteDb)) throw new Error('pgliteImage: a PGlite database only');
  return db.image();
}
