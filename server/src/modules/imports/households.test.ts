/** Importing households (one row per member) and relations, and the sample files. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from '../../testing/db.ts';
import { samplesDir } from './routes.ts';
import {
  countRows, csvText, encode, HEPING, HEPING_2, HEXI, PERSON_HEADER_ZH, runFile, tempDir, testPerson, xlsxBuffer, zhRow, type TestPerson,
} from './test-files.ts';

let t: TestDb;
const tmp = tempDir();
beforeAll(async () => { t = await testDb(); });
afterAll(async () => { await t.close(); tmp.remove(); });

const HH_HEADER = ['户编号', '住址', '居住社区代码', '网格编号', '成员身份证号', '与户主关系'];

async function register(...people: TestPerson[]): Promise<void> {
  const r = await runFile(t.db, 'persons', tmp.file(`p-${people[0]!.citizenId}.csv`, csvText(PERSON_HEADER_ZH, people.map(zhRow))));
  expect(r.job.accepted).toBe(people.length);
}

const membersOf = (householdNo: string) => t.db.query<{ citizen_id: string; household_relation: string }>(
  `SELECT p.citizen_id, p.household_relation FROM person p JOIN household h ON h.id = p.household_id
   WHERE h.household_no = $1 ORDER BY p.household_relation, p.citizen_id`, [householdNo]);

describe('households', () => {
  it('stores households with their members, head and address; a second import changes nothing', async () => {
    const [head, wife, son, alone] = [testPerson({ sex: 'M' }), testPerson(), testPerson({ sex: 'M' }), testPerson()];
    await register(head, wife, son, alone);
    const rows = [
      ['H-001', '和平区花园路12号', HEPING, '', head.citizenId, '户主'],
      ['H-001', '', '', '', wife.citizenId, '妻'],
      ['H-001', '', '', '', son.citizenId, '子女'],
      ['H-002', '和平区花园路8号', HEPING, '', alone.citizenId, 'head'],
    ];
    const file = tmp.file('hh.csv', encode(csvText(HH_HEADER, rows), 'gb18030'));
    const r = await runFile(t.db, 'households', file);
    expect(r.job).toMatchObject({ status: 'done', encoding: 'GB18030', accepted: 4, rejected: 0 });
    const [h] = await t.db.query<{ address: string; residence_community: string; head: string }>(
      `SELECT h.address, h.residence_community, p.citizen_id AS head FROM household h JOIN person p ON p.id = h.head_person_id WHERE household_no = 'H-001'`);
    expect(h).toEqual({ address: '和平区花园路12号', residence_community: HEPING, head: head.citizenId });
    expect((await membersOf('H-001')).map((m) => m.household_relation)).toEqual(['child', 'head', 'spouse']);
    const before = await countRows(t.db);
    const again = await runFile(t.db, 'households', file);
    expect(again.job).toMatchObject({ status: 'done', accepted: 4, rejected: 0 });
    expect(await countRows(t.db)).toEqual(before);
  });

  it('rejects a whole household when one member row is wrong, naming that row', async () => {
    const [head, other, unregistered] = [testPerson({ sex: 'M' }), testPerson(), testPerson()];
    await register(head, other);
    const rows = [
      ['H-101', '地址', HEPING, '', head.citizenId, '户主'],
      ['H-101', '', '', '', unregistered.citizenId, '子女'],
      ['H-102', '地址', HEPING, '', other.citizenId, '户主'],
    ];
    const r = await runFile(t.db, 'households', tmp.file('hh-bad.csv', csvText(HH_HEADER, rows)));
    expect(r.job).toMatchObject({ accepted: 1, rejected: 2 });
    expect(r.job.errors).toEqual([
      { row: 2, field: 'citizenId', message: 'household H-101 is not stored because row 3 has an error' },
      { row: 3, field: 'citizenId', message: `no person with citizen ID ${unregistered.citizenId} in the registry: import the persons first` },
    ]);
    expect(await membersOf('H-101')).toEqual([]);
    expect((await membersOf('H-102')).length).toBe(1);
  });

  it('checks heads, relations, community codes and disagreeing household fields', async () => {
    const p = Array.from({ length: 9 }, () => testPerson());
    await register(...p);
    const rows = [
      ['H-201', 'A', HEPING, '', p[0]!.citizenId, '配偶'], // no head
      ['H-202', 'B', HEPING, '', p[1]!.citizenId, '户主'],
      ['H-202', 'B', HEPING, '', p[2]!.citizenId, '户主'], // second head
      ['H-203', 'C', '120101001999', '', p[3]!.citizenId, '户主'], // unknown community
      ['H-204', 'D', HEPING, '', p[4]!.citizenId, '户主'],
      ['H-204', 'D', HEPING_2, '', p[5]!.citizenId, '子女'], // another community for the same household
      ['H-205', 'E', HEPING, '', p[6]!.citizenId, '邻居'], // unknown relation
      ['H-206', 'F', HEPING, '', p[7]!.citizenId, '户主'],
      ['H-202', 'B', HEPING, '', p[8]!.citizenId, '子女'], // H-202 again, not next to its rows
    ];
    const r = await runFile(t.db, 'households', tmp.file('hh-rules.csv', csvText(HH_HEADER, rows)));
    expect(r.job).toMatchObject({ accepted: 1, rejected: 8 });
    const byRow = Object.fromEntries(r.job.errors.map((e) => [e.row, [e.field, e.message]]));
    expect(byRow[2]).toEqual(['relation', expect.stringContaining('has no head')]);
    expect(byRow[4]).toEqual(['relation', expect.stringContaining('already has its head on row 3')]);
    expect(byRow[5]).toEqual(['residenceCommunity', 'unknown community code 120101001999']);
    expect(byRow[7]).toEqual(['residenceCommunity', expect.stringContaining('on row 6 of the same household')]);
    expect(byRow[8]).toEqual(['relation', expect.stringContaining('not a known relation')]);
    expect(byRow[10]).toEqual(['householdNo', expect.stringContaining('already appeared from row 3')]);
    expect((await membersOf('H-206')).length).toBe(1);
  });

  it('a person listed in two households of the file: the later row is rejected naming the first', async () => {
    const [a, b] = [testPerson(), testPerson()];
    await register(a, b);
    const rows = [['H-301', 'x', HEPING, '', a.citizenId, '户主'], ['H-302', 'y', HEPING, '', b.citizenId, '户主'], ['H-302', '', '', '', a.citizenId, '配偶']];
    const r = await runFile(t.db, 'households', tmp.file('hh-twice.csv', csvText(HH_HEADER, rows)));
    expect(r.job.errors).toEqual([
      { row: 3, field: 'citizenId', message: 'household H-302 is not stored because row 4 has an error' },
      { row: 4, field: 'citizenId', message: 'this person is already a member of a household on row 2 of the file' },
    ]);
  });

  it('keeps a household together across batch boundaries', async () => {
    const people = Array.from({ length: 12 }, () => testPerson());
    await register(...people);
    const rows = people.map((p, i) => [`H-4${String(Math.floor(i / 4)).padStart(2, '0')}`, '', HEPING, '', p.citizenId, i % 4 === 0 ? '户主' : '子女']);
    const r = await runFile(t.db, 'households', tmp.file('hh-batches.csv', csvText(HH_HEADER, rows)), { batchRows: 3 });
    expect(r.job).toMatchObject({ status: 'done', accepted: 12, rejected: 0 });
    for (const no of ['H-400', 'H-401', 'H-402']) expect((await membersOf(no)).length).toBe(4);
  });

  it('a file without the member columns is refused naming them', async () => {
    const r = await runFile(t.db, 'households', tmp.file('hh-head.xlsx', await xlsxBuffer([['户编号', '住址'], ['H-1', 'x']])));
    expect(r.job.failure).toContain('missing required column 成员身份证号 (citizenId)');
    expect(r.refused).toBe(true);
    expect(r.job.errors.map((e) => [e.row, e.field])).toEqual([[1, 'citizenId'], [1, 'relation']]);
  });
});

describe('relations', () => {
  const REL_HEADER = ['身份证号', '关联人身份证号', '关系', '义务'];

  it('stores spouse, child and supporter relations; duties from the kind or the column; again changes nothing', async () => {
    const [elder, spouse, child, other] = [testPerson({ sex: 'M' }), testPerson(), testPerson({ community: HEXI }), testPerson()];
    await register(elder, spouse, child, other);
    const rows = [
      [elder.citizenId, spouse.citizenId, '配偶', ''],
      [elder.citizenId, child.citizenId, '子女', ''],
      [elder.citizenId, child.citizenId, '赡养人', ''],
      [spouse.citizenId, child.citizenId, 'supporter', '赡养'],
    ];
    const file = tmp.file('rel.csv', csvText(REL_HEADER, rows));
    const r = await runFile(t.db, 'relations', file);
    expect(r.job).toMatchObject({ status: 'done', accepted: 4, rejected: 0 });
    const stored = await t.db.query<{ kind: string; duty: string | null }>(
      `SELECT r.kind, r.duty FROM person_relation r JOIN person p ON p.id = r.person_id WHERE p.citizen_id = $1 ORDER BY r.kind`, [elder.citizenId]);
    expect(stored).toEqual([{ kind: 'child', duty: null }, { kind: 'spouse', duty: null }, { kind: 'supporter', duty: 'elder' }]);
    const before = await countRows(t.db);
    expect((await runFile(t.db, 'relations', file)).job).toMatchObject({ accepted: 4, rejected: 0 });
    expect(await countRows(t.db)).toEqual(before);
  });

  it('rejects unknown persons, self relations, missing duties, conflicting duties and duplicates', async () => {
    const [a, b] = [testPerson(), testPerson()];
    await register(a, b);
    const ghost = testPerson();
    const wrong = a.citizenId.slice(0, 17) + (a.citizenId[17] === '0' ? '1' : '0');
    const rows = [
      [a.citizenId, ghost.citizenId, '子女', ''],
      [a.citizenId, a.citizenId, '配偶', ''],
      [a.citizenId, b.citizenId, 'supporter', ''],
      [a.citizenId, b.citizenId, '赡养人', '抚养'],
      [a.citizenId, b.citizenId, '配偶', ''],
      [a.citizenId, b.citizenId, '配偶', ''],
      [wrong, b.citizenId, '配偶', ''],
    ];
    const r = await runFile(t.db, 'relations', tmp.file('rel-bad.csv', csvText(REL_HEADER, rows)));
    expect(r.job).toMatchObject({ accepted: 1, rejected: 6 });
    expect(r.job.errors.map((e) => [e.row, e.field])).toEqual([
      [2, 'relatedCitizenId'], [3, 'relatedCitizenId'], [4, 'duty'], [5, 'duty'], [7, 'relatedCitizenId'], [8, 'citizenId'],
    ]);
    expect(r.job.errors[4]?.message).toBe('the same relation as row 6');
    expect(r.job.errors[5]?.message).toContain('check digit');
  });
});

describe('the sample files', () => {
  it('import cleanly in order: persons, households, relations', async () => {
    for (const kind of ['persons', 'households', 'relations'] as const) {
      const r = await runFile(t.db, kind, path.join(samplesDir, `${kind}.csv`));
      expect(r.job, kind).toMatchObject({ status: 'done', rejected: 0, warnings: [] });
      expect(r.job.accepted, kind).toBeGreaterThanOrEqual(12);
    }
  });
});
