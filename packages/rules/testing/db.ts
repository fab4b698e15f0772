/**
 * Test databases for the JS == SQL property test: PGlite in memory always; a real PostgreSQL
 * server when MINSHENG_TEST_DATABASE_URL is set (a database minsheng_rules_<random> is created
 * there and dropped on close).
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { SQL_SETUP } from '../src/sql.ts';

export interface SqlRunner {
  name: 'pglite' | 'postgres';
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function pgliteRunner(): Promise<SqlRunner> {
  const db = new PGlite();
  await db.waitReady;
  for (const statement of SQL_SETUP) await db.exec(statement);
  return {
    name: 'pglite',
    query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params ?? [])).rows,
    close: () => db.close(),
  };
}

export const postgresUrl = (): string | undefined => process.env.MINSHENG_TEST_DATABASE_URL || undefined;

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function postgresRunner(serverUrl: string): Promise<SqlRunner> {
  const name = `minsheng_rules_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  // A runaway query must not take the shared server down with it; JIT off as README recommends.
  await client.query(`SET statement_timeout = '120s'`);
  await client.query('SET jit = off');
  for (const statement of SQL_SETUP) await client.query(statement);
  return {
    name: 'postgres',
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params ?? [])).rows as T[],
    close: async () => {
      await client.end();
      await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export interface DecisionRow {
  id: number;
  eligible: boolean | null;
  outcome: string | null;
  amount: string | null;
  failed_rules: string[] | null;
  error: string | null;
}

/** Replaces the rows of the input table and runs a compiled policy query over them. */
export async function runBatch(db: SqlRunner, table: string, inputs: readonly unknown[], sql: string): Promise<DecisionRow[]> {
  await db.query(`DELETE FROM ${table}`);
  const rows = inputs.map((input, id) => ({ id, input }));
  await db.query(`INSERT INTO ${table} (id, input) SELECT x.id, x.input FROM jsonb_to_recordset($1::jsonb) AS x(id int, input jsonb)`, [JSON.stringify(rows)]);
  const out = await db.query<DecisionRow>(`${sql} ORDER BY id`);
  return out.map((r) => ({ ...r, id: Number(r.id) }));
}
