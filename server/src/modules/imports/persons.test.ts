/** Importing persons: every format, every kind of bad input, duplicates, re-import, failure halfway. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCitizenId } from '@minsheng/contracts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { scopeFor, systemScope } from '../../platform/auth/scope.ts';
import { historyOf } from '../registry/repo.ts';
import { matchHeaders } from './headers.ts';
import { personImporter } from './store-persons.ts';
import {
  countRows, csvText, encode, enRow, HEPING, HEXI, PERSON_HEADER_EN, PERSON_HEADER_ZH, runFile, tempDir, testPerson, xlsxBuffer, zhRow,
  type TestPerson,
} from './test-files.ts';

let t: TestDb;
const tmp = tempDir();
beforeAll(async () => { t = await testDb(); });
afterAll(async () => { await t.close(); tmp.remove(); });

const stored = async (citizenId: string) => {
  const [p] = await t.db.query<Record<string, unknown>>(
    `SELECT name, name_initials, sex, birth_date, phone, hukou_region, residence_community, ability_level, living_arrangement,
            disability_category, disability_grade, deceased_on, version, updated_by, change_reason FROM person WHERE citizen_id = $1`, [citizenId]);
  return p;
};

describe('good files', () => {
  it('imports a UTF-8 CSV with a BOM and Chinese headers and values', async () => {
    const people = [testPerson({ name: '张桂兰' }), testPerson({ name: '李德福', sex: 'M', birthDate: '1938-11-02' })];
    const r = await runFile(t.db, 'persons', tmp.file('zh.csv', encode(csvText(PERSON_HEADER_ZH, people.map(zhRow)), 'utf8-bom')));
    expect(r.job).toMatchObject({ status: 'done', encoding: 'UTF-8', processed: 2, accepted: 2, rejected: 0, errors: [], failure: null, warnings: [] });
    expect(await stored(people[1]!.citizenId)).toMatchObject({
      name: '李德福', name_initials: 'ldf', sex: 'M', birth_date: '1938-11-02', residence_community: HEPING,
      ability_level: 'mild', living_arrangement: 'alone', version: 1, updated_by: 'test',
    });
  });

  it('imports a GB18030-encoded CSV (as saved by Chinese office software)', async () => {
    const p = testPerson({ name: '赵淑珍' });
    const r = await runFile(t.db, 'persons', tmp.file('gbk.csv', encode(csvText(PERSON_HEADER_ZH, [zhRow(p)]), 'gb18030')));
    expect(r.job).toMatchObject({ status: 'done', encoding: 'GB18030', accepted: 1 });
    expect((await stored(p.citizenId))?.name).toBe('赵淑珍');
  });

  it('imports a CSV with English headers and values', async () => {
    const p = testPerson({ name: 'Ma Li' });
    const r = await runFile(t.db, 'persons', tmp.file('en.csv', csvText(PERSON_HEADER_EN, [enRow(p)])));
    expect(r.job).toMatchObject({ status: 'done', accepted: 1 });
    expect(await stored(p.citizenId)).toMatchObject({ name: 'Ma Li', name_initials: 'mali', ability_level: 'mild' });
  });

  it('imports an XLSX with Chinese headers, date cells, a title row above the header and an extra column', async () => {
    const p = testPerson({ name: '孙秀云', birthDate: '1941-02-03' });
    const file = tmp.file('zh.xlsx', await xlsxBuffer([
      ['花园路社区 老年人名单（2024年）'],
      [...PERSON_HEADER_ZH, '备注'],
      [p.name, p.citizenId, '女', new Date(Date.UTC(1941, 1, 3)), p.phone, p.community, p.community, '中度失能', '与子女同住', '已走访'],
    ], { dateFormat: true }));
    const r = await runFile(t.db, 'persons', file);
    expect(r.job).toMatchObject({ status: 'done', encoding: null, accepted: 1, rejected: 0 });
    expect(r.job.warnings[0]).toContain('备注');
    expect(await stored(p.citizenId)).toMatchObject({ birth_date: '1941-02-03', ability_level: 'moderate', living_arrangement: 'with-children' });
  });

  it('imports an XLSX with English headers and numeric cells', async () => {
    const p = testPerson();
    const file = tmp.file('en.xlsx', await xlsxBuffer([
      ['Name', 'Citizen ID', 'Phone', 'Residence Community', 'Disability Category', 'Disability Grade'],
      [p.name, p.citizenId, 13812345678, Number(HEXI), 'hearing', 2],
    ]));
    const r = await runFile(t.db, 'persons', file);
    expect(r.job).toMatchObject({ status: 'done', accepted: 1 });
    expect(await stored(p.citizenId)).toMatchObject({ phone: '13812345678', residence_community: HEXI, disability_category: 'hearing', disability_grade: 2 });
  });
});

describe('bad rows are rejected with their row and field; good rows are stored', () => {
  it('wrong check digit, unknown community, conflicting birth date, bad values', async () => {
    const good = testPerson();
    const badDigit = testPerson();
    const wrongDigit = badDigit.citizenId.slice(0, 17) + (badDigit.citizenId[17] === '1' ? '2' : '1');
    const unknown = testPerson({ community: '120101001999' });
    const conflict = testPerson({ birthDate: '1950-03-15' });
    const badGrade = testPerson();
    const before = await countRows(t.db);
    const rows = [
      zhRow(good),
      zhRow({ ...badDigit, citizenId: wrongDigit }),
      zhRow(unknown),
      [...zhRow(conflict).slice(0, 3), '1950-03-16', ...zhRow(conflict).slice(4)],
      [...zhRow(badGrade).slice(0, 7), '很好', '独居'],
      ['', makeCitizenId('120101', '1950-01-01', 2, 'F'), '女', '', '', '', HEPING, '', ''],
      [testPerson().name, testPerson().citizenId, '女', '', '12345', '', HEPING, '', ''],
    ];
    const r = await runFile(t.db, 'persons', tmp.file('bad.csv', encode(csvText(PERSON_HEADER_ZH, rows), 'utf8-bom')));
    expect(r.job).toMatchObject({ status: 'done', processed: 7, accepted: 1, rejected: 6 });
    expect(r.job.errors.map((e) => [e.row, e.field])).toEqual([
      [3, 'citizenId'], [4, 'residenceCommunity'], [5, 'birthDate'], [6, 'abilityLevel'], [7, 'name'], [8, 'phone'],
    ]);
    expect(r.job.errors[0]?.message).toMatch(/check digit is ., expected ./);
    expect(r.job.errors[1]?.message).toContain('unknown community code 120101001999');
    expect(r.job.errors[2]?.message).toContain('disagrees with the citizen ID');
    expect((await countRows(t.db)).persons).toBe(before.persons + 1);
    expect(await stored(good.citizenId)).toBeDefined();
    expect(await stored(conflict.citizenId)).toBeUndefined();
  });

  it('a citizen ID that Excel turned into a number is named as such', async () => {
    const p = testPerson();
    const file = tmp.file('numid.xlsx', await xlsxBuffer([['姓名', '身份证号'], [p.name, Number(p.citizenId.slice(0, 17))]]));
    const r = await runFile(t.db, 'persons', file);
    expect(r.job.errors).toEqual([{ row: 2, field: 'citizenId', message: expect.stringContaining('stored as a number') }]);
  });

  it('duplicates inside the file: the later row is rejected naming the first', async () => {
    const p = testPerson();
    const other = testPerson();
    const rows = [zhRow(p), zhRow(other), zhRow({ ...p, name: '刘淑贞' })];
    const r = await runFile(t.db, 'persons', tmp.file('dup.csv', csvText(PERSON_HEADER_ZH, rows)), { batchRows: 2 });
    expect(r.job).toMatchObject({ accepted: 2, rejected: 1 });
    expect(r.job.errors).toEqual([{ row: 4, field: 'citizenId', message: expect.stringContaining('row 2') }]);
    expect((await stored(p.citizenId))?.name).toBe(p.name);
  });

  it('malformed CSV: a broken row is rejected, the rows after it are read', async () => {
    const [a, b] = [testPerson(), testPerson()];
    const text = `${PERSON_HEADER_ZH.join(',')}\n${zhRow(a).join(',')}\n"张三"x,120101195003150021,女,,,,${HEPING},,\n${zhRow(b).join(',')}\n`;
    const r = await runFile(t.db, 'persons', tmp.file('broken.csv', text));
    expect(r.job).toMatchObject({ status: 'done', accepted: 2, rejected: 1 });
    expect(r.job.errors).toEqual([{ row: 3, field: 'name', message: expect.stringContaining('malformed CSV') }]);
  });

  it('malformed CSV: a quote that never closes stops the file at that row, keeping the rows before', async () => {
    const [a, b] = [testPerson(), testPerson()];
    const text = `${PERSON_HEADER_ZH.join(',')}\n${zhRow(a).join(',')}\n${b.name},"${b.citizenId},女\n${zhRow(testPerson()).join(',')}\n`;
    const r = await runFile(t.db, 'persons', tmp.file('unclosed.csv', text));
    expect(r.job.status).toBe('failed');
    expect(r.job.failure).toMatch(/^row 3: malformed CSV: a quoted field is never closed/);
    expect(r.job.errors).toEqual([{ row: 3, field: 'citizenId', message: expect.stringContaining('never closed') }]);
    expect(await stored(a.citizenId)).toBeDefined();
    expect(await stored(b.citizenId)).toBeUndefined();
  });

  it('a comma inside an unquoted value shifts the row: rejected with the cell count', async () => {
    const p = testPerson();
    const text = `姓名,公民身份号码,住址备注\n${p.name},${p.citizenId},和平区,花园路\n`;
    const r = await runFile(t.db, 'persons', tmp.file('shift.csv', text));
    expect(r.job.errors).toEqual([{ row: 2, field: 'column 3', message: expect.stringContaining('4 cells but the header has 3') }]);
  });

  it('wrong encoding: a GBK row deep inside a UTF-8 file is rejected naming the row and field', async () => {
    // The encoding is decided on the first 64 KB; the GBK row comes after 800 UTF-8 rows.
    const first = Array.from({ length: 800 }, () => testPerson({ name: '王芳' }));
    const late = testPerson({ name: '陈静' });
    const file = tmp.file('mixed.csv', Buffer.concat([
      encode(csvText(PERSON_HEADER_ZH, first.map(zhRow)), 'utf8'),
      encode(`${zhRow(late).join(',')}\r\n`, 'gb18030'),
    ]));
    const r = await runFile(t.db, 'persons', file);
    expect(r.job).toMatchObject({ encoding: 'UTF-8', accepted: 800, rejected: 1 });
    expect(r.job.errors).toEqual([{ row: 802, field: 'name', message: expect.stringContaining('not valid UTF-8') }]);
  });

  it('a short file mixing encodings is read as GB18030 and refused for its unreadable header', async () => {
    const file = tmp.file('mixed-short.csv', Buffer.concat([
      encode(`${PERSON_HEADER_ZH.join(',')}\n${zhRow(testPerson()).join(',')}\n`, 'utf8'),
      encode(`${zhRow(testPerson({ name: '陈静' })).join(',')}\n`, 'gb18030'),
    ]));
    const r = await runFile(t.db, 'persons', file);
    expect(r.refused).toBe(true);
    expect(r.job.failure).toContain('read as GB18030');
  });
});

describe('files refused as a whole: nothing stored, the reason named', () => {
  it('missing required columns name row 1 and each missing field', async () => {
    const before = await countRows(t.db);
    const r = await runFile(t.db, 'persons', tmp.file('nohead.csv', '姓名,电话\n张三,13812345678\n'));
    expect(r.refused).toBe(true);
    expect(r.job.status).toBe('failed');
    expect(r.job.failure).toContain('missing required column 公民身份号码 (citizenId)');
    expect(r.job.errors).toEqual([{ row: 1, field: 'citizenId', message: 'missing required column 公民身份号码 (citizenId)' }]);
    expect(await countRows(t.db)).toEqual(before);
  });

  it('a file in another encoding than it seems names the encoding it was read in', async () => {
    const r = await runFile(t.db, 'persons', tmp.file('latin.csv', Buffer.from([0x4e, 0x61, 0x6d, 0xe9, 0x2c, 0x49, 0x44, 0x0a, 0x41, 0x2c, 0x31, 0x0a])));
    expect(r.job.failure).toContain('read as GB18030');
  });

  it.each([
    ['a PDF', 'x.pdf', Buffer.from('%PDF-1.4\n'), 'PDF'],
    ['binary data', 'x.csv', Buffer.from([1, 2, 0, 4, 5, 6, 7, 8]), 'binary'],
    ['an empty file', 'x.csv', Buffer.alloc(0), 'empty'],
  ])('%s', async (_what, name, content, says) => {
    const r = await runFile(t.db, 'persons', tmp.file(name, content));
    expect(r.refused).toBe(true);
    expect(r.job.failure).toContain(says);
    expect(r.job.failure).toMatch(/not a CSV or XLSX spreadsheet|empty/);
  });
});

describe('re-import and failures', () => {
  it('importing the same file again changes nothing: no new history, identical rows', async () => {
    const people = [testPerson({ name: '周春梅' }), testPerson({ name: '吴建华', sex: 'M' })];
    const file = tmp.file('again.csv', encode(csvText(PERSON_HEADER_ZH, people.map(zhRow)), 'utf8-bom'));
    expect((await runFile(t.db, 'persons', file)).job.accepted).toBe(2);
    const snapshot = await t.db.query('SELECT * FROM person WHERE citizen_id = ANY($1) ORDER BY id', [people.map((p) => p.citizenId)]);
    const before = await countRows(t.db);
    const again = await runFile(t.db, 'persons', file);
    expect(again.job).toMatchObject({ status: 'done', accepted: 2, rejected: 0 });
    expect(await countRows(t.db)).toEqual(before);
    expect(await t.db.query('SELECT * FROM person WHERE citizen_id = ANY($1) ORDER BY id', [people.map((p) => p.citizenId)])).toEqual(snapshot);
  });

  it('a changed row updates the person once, with a new version and one history entry', async () => {
    const p = testPerson({ name: '郑丽' });
    await runFile(t.db, 'persons', tmp.file('v1.csv', csvText(PERSON_HEADER_ZH, [zhRow(p)])));
    const before = await countRows(t.db);
    const r = await runFile(t.db, 'persons', tmp.file('v2.csv', csvText(['姓名', '公民身份号码', '居住社区代码'], [[p.name, p.citizenId, HEXI]])));
    expect(r.job.accepted).toBe(1);
    expect(await stored(p.citizenId)).toMatchObject({ residence_community: HEXI, phone: p.phone, ability_level: 'mild', version: 2 });
    expect((await stored(p.citizenId))?.change_reason).toContain(`import #${r.job.id}`);
    expect((await countRows(t.db)).history).toBe(before.history + 1);
  });

  it('a new person is stored with its creation on the row; its first change keeps both versions in history', async () => {
    const p = testPerson({ name: '冯秀云' });
    await runFile(t.db, 'persons', tmp.file('new.csv', csvText(PERSON_HEADER_ZH, [zhRow(p)])), { actor: 'first-import' });
    const [{ id }] = await t.db.query<{ id: number }>('SELECT id FROM person WHERE citizen_id = $1', [p.citizenId]) as [{ id: number }];
    expect(await t.db.query(`SELECT 1 FROM record_history WHERE entity = 'person' AND entity_id = $1`, [id])).toHaveLength(0);
    const created = await historyOf(t.db, 'person', id);
    expect(created).toEqual([expect.objectContaining({ version: 1, changed_by: 'first-import', before: null })]);
    expect(created[0]?.after).toMatchObject({ name: '冯秀云', citizenId: p.citizenId, residenceCommunity: HEPING, abilityLevel: 'mild' });
    expect(created[0]?.reason).toMatch(/^imported from a file \(import #\d+\)$/);

    await runFile(t.db, 'persons', tmp.file('moved.csv', csvText(['姓名', '公民身份号码', '居住社区代码'], [[p.name, p.citizenId, HEXI]])), { actor: 'second-import' });
    const history = await historyOf(t.db, 'person', id);
    expect(history.map((h) => [h.version, h.changed_by])).toEqual([[2, 'second-import'], [1, 'first-import']]);
    expect(history[1]).toMatchObject({ before: null, reason: created[0]?.reason, changed_at: created[0]?.changed_at });
    expect(history[0]?.before).toEqual(created[0]?.after);
    expect(history[0]?.after).toMatchObject({ residenceCommunity: HEXI });
  });

  it('a person registered by someone else between the check and the write is upserted, not refused', async () => {
    const p = testPerson({ name: '韩冬梅' });
    const header = matchHeaders('persons', PERSON_HEADER_ZH);
    if (!header.ok) throw new Error('header');
    const importer = personImporter({ kind: 'persons', actor: { name: 'racer' }, scope: systemScope(), reason: 'race', excelSerials: false, today: new Date() }, header.map);
    const decided = await importer.decide!(t.db, importer.prepare([{ row: 2, cells: zhRow(p) }]));
    // Meanwhile another import registers the same person with another phone.
    await runFile(t.db, 'persons', tmp.file('meanwhile.csv', csvText(PERSON_HEADER_ZH, [zhRow({ ...p, phone: '13100000000' })])));
    const outcome = await t.db.transaction((tx) => importer.commit(tx, decided));
    expect(outcome).toEqual({ accepted: 1, rejects: [] });
    expect(await stored(p.citizenId)).toMatchObject({ phone: p.phone, version: 2, updated_by: 'racer', change_reason: 'race' });
    expect(await t.db.query('SELECT 1 FROM person WHERE citizen_id = $1', [p.citizenId])).toHaveLength(1);
  });

  it('a database failure halfway keeps the earlier batches and nothing of the failed one', async () => {
    // The poisoned row is in the last batch: with two batches written at once on PostgreSQL, a
    // batch after the failed one may already be committed (the failure message then lists it).
    const people = Array.from({ length: 7 }, () => testPerson());
    const poison = people[6]!.citizenId;
    await t.db.exec(`CREATE FUNCTION import_test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.citizen_id = '${poison}' THEN RAISE EXCEPTION 'disk full (simulated)'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER import_test_poison BEFORE INSERT ON person FOR EACH ROW EXECUTE FUNCTION import_test_poison();`);
    try {
      const r = await runFile(t.db, 'persons', tmp.file('poison.csv', csvText(PERSON_HEADER_ZH, people.map(zhRow))), { batchRows: 3 });
      expect(r.job.status).toBe('failed');
      expect(r.job.failure).toBe('rows 8–8 could not be stored (disk full (simulated)); nothing of them was written, the rows before them are stored');
      expect(r.job).toMatchObject({ processed: 6, accepted: 6 });
      const found = await t.db.query<{ citizen_id: string }>('SELECT citizen_id FROM person WHERE citizen_id = ANY($1)', [people.map((p) => p.citizenId)]);
      expect(found.map((f) => f.citizen_id).sort()).toEqual(people.slice(0, 6).map((p) => p.citizenId).sort());
    } finally {
      await t.db.exec('DROP TRIGGER import_test_poison ON person; DROP FUNCTION import_test_poison();');
    }
  });

  it('a large file streams through many batches with exact counts', async () => {
    const people: TestPerson[] = Array.from({ length: 2500 }, (_, i) => testPerson({ birthDate: `19${40 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}` }));
    const rows = people.map(zhRow);
    rows[1234] = [...rows[1234]!.slice(0, 6), '999999999999', ...rows[1234]!.slice(7)];
    const r = await runFile(t.db, 'persons', tmp.file('many.csv', encode(csvText(PERSON_HEADER_ZH, rows), 'gb18030')), { batchRows: 500 });
    expect(r.job).toMatchObject({ status: 'done', processed: 2500, accepted: 2499, rejected: 1 });
    expect(r.job.errors).toEqual([{ row: 1236, field: 'residenceCommunity', message: 'unknown community code 999999999999' }]);
  });
});

describe('region scope', () => {
  it('a district importer cannot place or change persons outside the district', async () => {
    const heping = scopeFor([{ role: 'district-staff', regionCode: '120101000000', regionPrefix: '120101', gridId: null }], 'imports.run');
    const inside = testPerson();
    const outside = testPerson({ community: HEXI });
    const elsewhere = testPerson({ community: HEXI });
    await runFile(t.db, 'persons', tmp.file('hexi.csv', csvText(PERSON_HEADER_ZH, [zhRow(elsewhere)])));
    const r = await runFile(t.db, 'persons', tmp.file('scoped.csv', csvText(PERSON_HEADER_ZH, [zhRow(inside), zhRow(outside), zhRow({ ...elsewhere, community: HEPING })])),
      { scope: heping });
    expect(r.job.errors.map((e) => [e.row, e.field])).toEqual([[3, 'residenceCommunity'], [4, 'citizenId']]);
    expect(r.job.errors[0]?.message).toContain('outside your region');
    expect((await stored(elsewhere.citizenId))?.residence_community).toBe(HEXI);
  });
});
