/**
 * Feed import: CSV in UTF-8 and GBK, XLSX and JSON; bad rows named by row and field; unknown
 * columns refuse the file with nothing stored; re-importing the same batch stores nothing twice;
 * matching by citizen ID, and name + birth date + region only into the review queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemScope } from '../../platform/auth/scope.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { csvText, encode, tempDir, xlsxBuffer } from '../imports/test-files.ts';
import { importFeed } from './feed-import.ts';
import { decideReview, listReviews } from './matching.ts';
import { COMMUNITY, ensureGrids, makeHousehold, newCitizenId } from './test-fixtures.ts';

describe('feed import', () => {
  let t: TestDb;
  const files = tempDir();
  let ids: string[];
  let personIds: number[];
  beforeAll(async () => {
    t = await testDb();
    await ensureGrids(t.db);
    const h = await makeHousehold(t.db, 'F-1', [{ name: '李桂兰', birthDate: '1950-02-03', sex: 'F' }, { name: '王德胜', birthDate: '1949-07-08', sex: 'M' }]);
    ids = h.citizenIds;
    personIds = h.personIds;
  }, 60_000);
  afterAll(async () => { files.remove(); await t?.close(); });

  const run = (type: Parameters<typeof importFeed>[1]['type'], file: string, extra: { department?: string; period?: string } = {}) =>
    importFeed(t.db, { type, filePath: file, fileName: file.split('/').pop()!, actor: 'tester', today: new Date('2026-06-01T00:00:00Z'), ...extra });

  it('imports a GBK medical feed, matches by citizen ID and records the batch', async () => {
    const header = ['公民身份号码', '姓名', '结算日期', '医疗总费用', '个人自付', '医疗机构'];
    const csv = csvText(header, [
      [ids[0]!, '李桂兰', '2026-03-05', '12000.50', '4000', '天津医科大学总医院'],
      [ids[1]!, '王德胜', '2026/4/1', '800', '200', '和平区中医院'],
    ]);
    const file = files.file('medical-gbk.csv', encode(csv, 'gb18030'));
    const r = await run('medical', file, { period: '2026-04' });
    expect(r.duplicate).toBe(false);
    expect(r.batch).toMatchObject({ status: 'done', encoding: 'GB18030', processed: 2, accepted: 2, rejected: 0, matched: 2, department: '市医疗保障局', period: '2026-04', startedBy: 'tester' });
    expect(r.batch.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(r.personIds.sort()).toEqual([...personIds].sort());
    const rows = await t.db.query<{ hospital: string; out: number }>(`SELECT data->>'hospital' AS hospital, (data->>'outOfPocket')::numeric AS out FROM feed_row WHERE batch_id = $1 ORDER BY row_no`, [r.batch.id]);
    expect(rows).toEqual([{ hospital: '天津医科大学总医院', out: 4000 }, { hospital: '和平区中医院', out: 200 }]);

    // The same file again, and another file for the same department + period: nothing stored twice.
    const again = await run('medical', file, { period: '2026-04' });
    expect(again).toMatchObject({ duplicate: true, batch: { id: r.batch.id } });
    const samePeriod = await run('medical', files.file('medical-2.csv', csvText(header, [[ids[0]!, '李桂兰', '2026-03-06', '1', '1', 'x']])), { period: '2026-04' });
    expect(samePeriod).toMatchObject({ duplicate: true, batch: { id: r.batch.id } });
    const [n] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM feed_row WHERE feed_type = $1', ['medical']);
    expect(n!.n).toBe(2);
  });

  it('names the row and field of bad rows and stores the good ones', async () => {
    const bad = ids[0]!.slice(0, 17) + (ids[0]!.endsWith('0') ? '1' : '0');
    const csv = csvText(['身份证号', '发证日期', '残疾类别', '残疾等级', '证件状态'], [
      [ids[0]!, '2026-05-01', '肢体', '二级', '发证'],
      [bad, '2026-05-01', '肢体', '二级', '发证'],
      [ids[1]!, '2027-01-01', '视力', '一级', '发证'],
      [ids[1]!, '2026-05-02', '视力', '五级', '发证'],
      [ids[0]!, '2026-05-01', '肢体', '二级', '发证'],
      ['', '2026-05-01', '肢体', '二级', '发证'],
    ]);
    const r = await run('disability', files.file('disability.csv', csv));
    expect(r.batch).toMatchObject({ status: 'done', processed: 6, accepted: 1, rejected: 5 });
    expect(r.batch.errors).toEqual([
      { row: 3, field: 'citizenId', message: expect.stringContaining('check digit') },
      { row: 4, field: 'date', message: expect.stringContaining('in the future') },
      { row: 5, field: 'grade', message: expect.stringContaining('not a disability grade') },
      { row: 6, field: 'citizenId', message: 'duplicate of row 2 in the same file' },
      { row: 7, field: 'citizenId', message: expect.stringContaining('name + birth date + region') },
    ]);
  });

  it('refuses a file with an unknown column, naming it, and stores nothing', async () => {
    const csv = csvText(['公民身份号码', '死亡日期', '备注二'], [[ids[0]!, '2026-05-01', 'x']]);
    const r = await run('death', files.file('death-unknown.csv', csv));
    expect(r.batch.status).toBe('failed');
    expect(r.batch.failure).toContain('unknown columns 3 "备注二"');
    expect(r.batch.errors).toEqual([{ row: 1, field: '备注二', message: 'unknown column 3 "备注二"' }]);
    const [n] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM feed_row WHERE batch_id = $1', [r.batch.id]);
    expect(n!.n).toBe(0);
    // The failed batch does not block importing the corrected file.
    const ok = await run('death', files.file('death.csv', csvText(['公民身份号码', '死亡日期'], [[ids[1]!, '2026-05-01']])));
    expect(ok.batch).toMatchObject({ status: 'done', accepted: 1, matched: 1 });
  });

  it('reads GBK files as GB18030, however short', async () => {
    const names = ['王德胜', '李桂兰', '张秀英', '刘建华', '陈志强', '杨淑珍', '赵国庆', '黄丽娟', '周永福', '吴春梅', '徐海涛', '孙玉兰'];
    const rows = names.map((name, i) => [i === 0 ? ids[1]! : newCitizenId(), name, '2026-05-10', i % 2 ? '失业登记' : '登记']);
    const csv = csvText(['身份证号码', '姓名', '登记日期', '登记类型'], rows);
    const r = await run('unemployment', files.file('unemp.csv', encode(csv, 'gb18030')));
    expect(r.batch, r.batch.failure ?? '').toMatchObject({ status: 'done', encoding: 'GB18030', accepted: 12, matched: 1, unmatched: 11 });
    // Even a tiny file (too little text for a guess) is read as GB18030, never as Korean or Japanese.
    const tiny = await run('unemployment', files.file('tiny.csv', encode(csvText(['身份证号码', '登记日期'], [[ids[1]!, '2026-05-11']]), 'gb18030')));
    expect(tiny.batch).toMatchObject({ status: 'done', encoding: 'GB18030', accepted: 1 });
  });

  it('imports XLSX and JSON feeds', async () => {
    const x = await xlsxBuffer([['公民身份号码', '注册登记日期', '车辆价值区间'], [ids[0]!, '2026-02-01', '10-20万']]);
    const rx = await run('vehicle', files.file('vehicles.xlsx', x));
    expect(rx.batch).toMatchObject({ status: 'done', encoding: null, accepted: 1, matched: 1 });
    const json = JSON.stringify([{ citizenId: ids[0], role: '法定代表人', capital: '500000', date: '2026-03-01' }, { citizenId: ids[1], role: '股东', capital: 'abc', date: '2026-03-01' }]);
    const rj = await run('business', files.file('business.json', json));
    expect(rj.batch).toMatchObject({ status: 'done', accepted: 1, rejected: 1, errors: [{ row: 3, field: 'capital' }] });
    const lines = `{"公民身份号码":"${ids[0]}","险种":"社保","缴费基数":"3500","所属期":"2026-04"}\n{"公民身份号码":"${ids[1]}","险种":"公积金","缴费基数":"4000","所属期":"202604"}\n`;
    const rl = await run('contribution', files.file('contrib.jsonl', lines));
    expect(rl.batch).toMatchObject({ status: 'done', accepted: 2 });
  });

  it('puts records matched only by name + birth date + region into the review queue, never linking them silently', async () => {
    const unknownId = newCitizenId('1950-02-03', 'F');
    const csv = csvText(['公民身份号码', '姓名', '出生日期', '居住社区代码', '交易日期', '房产套数'], [
      ['', '李桂兰', '1950-02-03', COMMUNITY.slice(0, 9) + '000', '2026-04-01', '1'],
      [unknownId, '李桂兰', '', COMMUNITY, '2026-04-02', '1'],
      ['', '李桂兰', '1950-02-04', COMMUNITY, '2026-04-03', '1'],
    ]);
    const r = await run('real-estate', files.file('estate.csv', csv));
    expect(r.batch).toMatchObject({ status: 'done', accepted: 3, matched: 0, inReview: 2, unmatched: 1 });
    const linked = await t.db.query(`SELECT 1 FROM feed_row WHERE batch_id = $1 AND person_id IS NOT NULL`, [r.batch.id]);
    expect(linked).toEqual([]);
    const queue = await listReviews(t.db, systemScope(), { status: 'open' });
    expect(queue).toHaveLength(2);
    expect(queue[0]!.candidates.map((c) => c.personId)).toEqual([personIds[0]]);
    expect(queue[0]!.candidates[0]!.citizenId).toMatch(/\*{8}/);
    await expect(decideReview(t.db, systemScope(), queue[0]!.id, { confirm: personIds[1]! }, 'staff')).rejects.toThrow(/not one of the candidates/);
    const done = await decideReview(t.db, systemScope(), queue[0]!.id, { confirm: personIds[0]! }, 'staff');
    expect(done.item).toMatchObject({ status: 'confirmed', personId: personIds[0], decidedBy: 'staff' });
    await expect(decideReview(t.db, systemScope(), queue[0]!.id, { confirm: null }, 'staff')).rejects.toThrow(/already decided/);
    await decideReview(t.db, systemScope(), queue[1]!.id, { confirm: null, note: '非同一人' }, 'staff');
    const status = await t.db.query<{ match_status: string; person_id: number | null }>(`SELECT match_status, person_id FROM feed_row WHERE batch_id = $1 ORDER BY row_no`, [r.batch.id]);
    expect(status).toEqual([{ match_status: 'matched', person_id: personIds[0] }, { match_status: 'unmatched', person_id: null }, { match_status: 'unmatched', person_id: null }]);
  });
});
