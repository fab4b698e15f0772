/** `minsheng import`: the JSON answer on stdout, messages on stderr, and the exit status. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from '../../testing/db.ts';
import { runImportCommand } from './cli.ts';
import { samplesDir } from './routes.ts';
import { csvText, PERSON_HEADER_ZH, tempDir, testPerson, zhRow } from './test-files.ts';

let t: TestDb;
const tmp = tempDir();
beforeAll(async () => { t = await testDb(); });
afterAll(async () => { await t.close(); tmp.remove(); });

async function run(kind: 'persons' | 'households' | 'relations', file: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runImportCommand(t.db, kind, file, { out: (s) => { out += s; }, err: (s) => { err += s; }, progress: false });
  return { code, out, err };
}

describe('runImportCommand', () => {
  it('prints {accepted, rejected, errors} and exits 0 when the file was processed, even with rejected rows', async () => {
    const bad = testPerson({ community: '120101001999' });
    const file = tmp.file('mixed.csv', csvText([...PERSON_HEADER_ZH, '备注'], [[...zhRow(testPerson()), ''], [...zhRow(bad), '']]));
    const { code, out, err } = await run('persons', file);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ accepted: 1, rejected: 1, errors: [{ row: 3, field: 'residenceCommunity', message: 'unknown community code 120101001999' }] });
    expect(err).toContain('warning: columns not recognised and ignored: 10 "备注"');
  });

  it('exits 2 when the file is refused as a whole, naming the reason', async () => {
    const missing = await run('persons', tmp.file('head.csv', '姓名\n张三\n'));
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.out).errors).toEqual([{ row: 1, field: 'citizenId', message: 'missing required column 公民身份号码 (citizenId)' }]);
    expect(missing.err).toContain('refused: row 1: missing required column');
    const notSheet = await run('persons', tmp.file('x.bin', Buffer.from([0, 1, 2, 3])));
    expect(notSheet.code).toBe(2);
    expect(notSheet.err).toContain('not a CSV or XLSX spreadsheet');
    expect((await run('persons', path.join(tmp.dir, 'nope.csv'))).err).toContain('no such file');
  });

  it('exits 1 when the file stops partway (the rows before are kept)', async () => {
    const p = testPerson();
    const file = tmp.file('cut.csv', `${PERSON_HEADER_ZH.join(',')}\n${zhRow(p).join(',')}\n"unclosed,1\n`);
    const { code, out } = await run('persons', file);
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ accepted: 1, rejected: 1 });
  });
});

describe('the minsheng command', () => {
  const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/minsheng.js');
  const exec = (args: string[]) => {
    // The embedded database in a fresh data directory, whatever the test run points at.
    const { DATABASE_URL: _url, ...env } = process.env;
    return spawnSync(process.execPath, [bin, ...args], {
      encoding: 'utf8', env: { ...env, DATA_DIR: path.join(tmp.dir, 'data'), LOG_LEVEL: 'silent' }, timeout: 120_000,
    });
  };

  it('exits 2 on an unknown kind before touching the database', { timeout: 150_000 }, () => {
    const r = exec(['import', 'pets', 'x.csv']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('persons, households or relations');
  });

  it('imports the sample into the embedded database and prints the answer', { timeout: 150_000 }, () => {
    const r = exec(['import', 'persons', path.join(samplesDir, 'persons.csv')]);
    expect(r.stderr).not.toContain('Error');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ accepted: 12, rejected: 0, errors: [] });
  });
});
