/** `minsheng projects import|export` as a user runs it: the 2026 list in, out, in again unchanged; a bad file exits 2 naming row and field. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, testServerUrl, type TestDb } from '../../testing/db.ts';
import { planTasksFile } from './plan.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/minsheng.js');

describe('minsheng projects', () => {
  let dir: string;
  let pgDb: TestDb | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'projects-cli-'));
    // On PostgreSQL a fresh database per run; else the embedded one in a temp directory.
    if (testServerUrl()) { pgDb = await testDb(); await pgDb.db.close(); }
    env = pgDb?.url ? { DATABASE_URL: pgDb.url, DEMO: '0' } : { DATA_DIR: path.join(dir, 'data') };
  }, 60_000);
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (pgDb) await pgDb.close().catch(() => undefined);
  });
  const cli = (...args: string[]) => {
    const r = spawnSync('node', [BIN, 'projects', ...args], { encoding: 'utf8', env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, timeout: 120_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('imports the 2026 list, exports it as XLSX and CSV, and the export imports unchanged', () => {
    const first = cli('import', planTasksFile(2026), '--year', '2026');
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ year: 2026, created: 28, updated: 0, unchanged: 0 });
    const xlsx = path.join(dir, 'plan.xlsx');
    expect(cli('export', xlsx).code).toBe(0);
    expect(fs.readFileSync(xlsx).subarray(0, 2).toString('latin1')).toBe('PK');
    const again = cli('import', xlsx);
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ created: 0, updated: 0, unchanged: 28 });
    const csv = path.join(dir, 'plan.csv');
    expect(cli('export', csv).code).toBe(0);
    expect(fs.readFileSync(csv, 'utf8')).toContain('parking-spaces,c3,parking,增建停车泊位,no,增建机动车公共停车泊位,市城市管理委');
  }, 180_000);

  it('a file with a missing department and a target of "abc" exits 2, naming each row and field', () => {
    const csv = path.join(dir, 'plan.csv');
    const text = fs.readFileSync(csv, 'utf8').replace(',市城市管理委,', ',,').replace(',5000,个,', ',abc,个,');
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, text);
    const r = cli('import', bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/lead_department: missing/);
    expect(r.err).toMatch(/row \d+, t1_value: expected a number, got "abc"/);
  }, 120_000);
});
