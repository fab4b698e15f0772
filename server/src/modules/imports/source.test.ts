/** Reading import files: type by content, encodings, CSV records as spreadsheet rows. */
import { afterAll, describe, expect, it } from 'vitest';
import { CsvParser, type CsvRecord } from './csv.ts';
import { headerKey, matchHeaders } from './headers.ts';
import { IdSet } from './id-set.ts';
import * as f from './fields.ts';
import { FileRefused, openSource, watched, type SheetRow } from './source.ts';
import { csvText, encode, tempDir, xlsxBuffer } from './test-files.ts';

const tmp = tempDir();
afterAll(() => tmp.remove());

async function readAll(file: string): Promise<{ rows: SheetRow[]; encoding: string | null; format: string }> {
  const src = await openSource(file);
  const rows: SheetRow[] = [];
  for await (const b of src.batches()) rows.push(...b);
  return { rows, encoding: src.encoding, format: src.format };
}

async function refusal(file: string): Promise<string> {
  try {
    await readAll(file);
  } catch (e) {
    if (e instanceof FileRefused) return e.message;
    throw e;
  }
  throw new Error('the file was not refused');
}

describe('CSV parser', () => {
  const parse = (text: string, chunk = text.length): CsvRecord[] => {
    const p = new CsvParser();
    const out: CsvRecord[] = [];
    for (let i = 0; i < text.length; i += chunk) p.feed(text.slice(i, i + chunk), out);
    p.finish(out);
    return out;
  };

  it('reads quotes, doubled quotes, line breaks in cells and every line ending, in any chunking', () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\n"two\nlines",z\rlast,"",\n';
    const expected = [['a', 'b'], ['x, y', 'say "hi"'], ['two\nlines', 'z'], ['last', '', '']];
    for (const chunk of [1, 2, 3, 7, 1000]) expect(parse(text, chunk).map((r) => r.cells)).toEqual(expected);
  });

  it('recovers after a broken record: the next rows still parse', () => {
    const out = parse('a,b,c\n1,"x"y,3\n4,5,6\n');
    expect(out[1]?.error).toMatchObject({ column: 1, fatal: false });
    expect(out[1]?.error?.message).toContain('after a closing quote');
    expect(out[2]).toEqual({ cells: ['4', '5', '6'] });
  });

  it('reports a quote that never closes as fatal, at its record', () => {
    const out = parse('a,b\n1,2\n3,"never closed\n4,5\n');
    expect(out.map((r) => r.cells[0])).toEqual(['a', '1', '3']);
    expect(out[2]?.error).toMatchObject({ column: 1, fatal: true });
  });

  it('does not buffer a runaway quoted field beyond its limit', () => {
    const p = new CsvParser(',', 1000);
    const out: CsvRecord[] = [];
    p.feed('a,b\n1,"open', out);
    for (let i = 0; i < 20; i++) p.feed('x'.repeat(100), out);
    expect(out[1]?.error?.fatal).toBe(true);
  });
});

describe('opening files', () => {
  const header = ['姓名', '公民身份号码'];
  const rows = [['张三', '120101195003150021'], ['王秀英', '12010119420315012X']];

  it('reads UTF-8 with a BOM, counting rows as a spreadsheet does (blank lines included)', async () => {
    const file = tmp.file('bom.csv', encode('姓名,公民身份号码\r\n张三,1\r\n\r\n,\r\n王秀英,2\r\n', 'utf8-bom'));
    const { rows: got, encoding, format } = await readAll(file);
    expect(format).toBe('csv');
    expect(encoding).toBe('UTF-8');
    expect(got.map((r) => [r.row, r.cells[0]])).toEqual([[1, '姓名'], [2, '张三'], [5, '王秀英']]);
  });

  it('detects GB18030 (GBK) text from Chinese office software and decodes it', async () => {
    const file = tmp.file('gbk.csv', encode(csvText(header, rows), 'gb18030'));
    const { rows: got, encoding } = await readAll(file);
    expect(encoding).toBe('GB18030');
    expect(got[1]?.cells).toEqual(['张三', '120101195003150021']);
  });

  it('reads tab-separated UTF-16 ("Unicode text" from Excel)', async () => {
    const file = tmp.file('u16.txt', encode('姓名\t公民身份号码\r\n张三\t120101195003150021\r\n', 'utf16le-bom'));
    const { rows: got, encoding } = await readAll(file);
    expect(encoding).toBe('UTF-16LE');
    expect(got[1]?.cells).toEqual(['张三', '120101195003150021']);
  });

  it('reads the first worksheet of an XLSX, whatever the file is called', async () => {
    const file = tmp.file('sheet.csv', await xlsxBuffer([header, ...rows]));
    const { rows: got, format } = await readAll(file);
    expect(format).toBe('xlsx');
    expect(got.map((r) => r.cells)).toEqual([header, ...rows]);
  });

  it('marks a citizen ID typed as a number in Excel as damaged', async () => {
    const file = tmp.file('num.xlsx', await xlsxBuffer([header, ['张三', 120101195003150021]]));
    const { rows: got } = await readAll(file);
    expect(got[1]?.lossy).toEqual([1]);
  });

  it.each([
    ['empty.csv', Buffer.alloc(0), 'the file is empty'],
    ['scan.pdf', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), 'PDF'],
    ['old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0]), '.xls'],
    ['photo.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'PNG'],
    ['random.bin', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), 'binary'],
  ])('refuses %s as not a spreadsheet', async (name, content, says) => {
    expect(await refusal(tmp.file(name, content))).toContain(says);
  });

  it('refuses a ZIP that is not a workbook', async () => {
    // A minimal ZIP with one entry "word/document.xml" (stored), as a .docx would have.
    const nameBytes = Buffer.from('word/document.xml');
    const local = Buffer.alloc(30); local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46); central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(nameBytes.length, 28);
    const end = Buffer.alloc(22); end.writeUInt32LE(0x06054b50, 0);
    const file = tmp.file('report.xlsx', Buffer.concat([local, nameBytes, central, nameBytes, end]));
    expect(await refusal(file)).toContain('Word document');
  });

  it('refuses a damaged XLSX with a clear message instead of crashing', async () => {
    const good = await xlsxBuffer([header, ...rows]);
    const file = tmp.file('cut.xlsx', Buffer.concat([good.subarray(0, Math.floor(good.length / 2)), Buffer.alloc(64, 0x41)]));
    expect(await refusal(file)).toBe('the XLSX file is damaged and cannot be read: the archive is incomplete (its end is missing): the file was cut short');
  });

  it('refuses an XLSX whose compressed data was altered, before reading it', async () => {
    const good = await xlsxBuffer([header, ...rows]);
    const bad = Buffer.from(good);
    const at = bad.indexOf('xl/worksheets/sheet1.xml') + 40; // inside the sheet's compressed data
    bad[at] = bad[at]! ^ 0xff;
    expect(await refusal(tmp.file('flipped.xlsx', bad))).toMatch(/damaged and cannot be read: the entry xl\/worksheets\/sheet1.xml (does not decompress|is damaged)/);
  });

  it('gives up on a reader that stops making progress instead of waiting forever', async () => {
    async function* stuck(): AsyncGenerator<SheetRow[]> { yield [{ row: 1, cells: ['a'] }]; await new Promise(() => undefined); }
    const got: SheetRow[][] = [];
    await expect((async () => { for await (const b of watched(stuck(), () => 0, 50)) got.push(b); })()).rejects.toThrow('stopped making progress');
    expect(got).toHaveLength(1);
  });

  it('refuses a file that does not exist', async () => {
    expect(await refusal('/nonexistent/persons.csv')).toContain('no such file');
  });
});

describe('headers and values', () => {
  it('matches Chinese and English headers loosely and names missing columns', () => {
    const ok = matchHeaders('persons', ['*姓名', ' 身份证号 ', '出生日期(YYYY-MM-DD)', 'Phone', '备注']);
    expect(ok.ok && [...ok.map.columns.entries()]).toEqual([['name', 0], ['citizenId', 1], ['birthDate', 2], ['phone', 3]]);
    expect(ok.ok && ok.map.unknown).toEqual([{ column: 5, text: '备注' }]);
    const missing = matchHeaders('households', ['户编号', '住址']);
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.problems.map((p) => p.field)).toEqual(['citizenId', 'relation']);
    const twice = matchHeaders('persons', ['姓名', '身份证号', '公民身份号码']);
    expect(!twice.ok && twice.problems[0]?.message).toContain('both mean');
    expect(headerKey('Citizen_ID')).toBe(headerKey('citizenId'));
  });

  it('reads dates, codes and enumerations as people type them', () => {
    for (const s of ['1950-03-15', '1950/3/15', '1950.3.15', '19500315', '1950年3月15日', '1950-03-15 00:00:00']) expect(f.date(s, false)).toBe('1950-03-15');
    expect(f.date('18337', true)).toBe('1950-03-15'); // an Excel serial day
    expect(f.date('18337', false)).toBeInstanceOf(f.Problem);
    expect(f.date('1950-02-30', false)).toBeInstanceOf(f.Problem);
    expect(f.sex('男')).toBe('M');
    expect(f.disabilityGrade('三级')).toBe(3);
    expect(f.abilityLevel('重度失能')).toBe('severe');
    expect(f.livingArrangement('与子女同住')).toBe('with-children');
    expect(f.memberRelation('儿媳/女婿')).toBe('child-in-law');
    expect(f.relationKind('赡养人')).toEqual({ kind: 'supporter', impliedDuty: 'elder' });
    expect(f.phone('+86 138 1234 5678')).toBe('13812345678');
    expect(f.regionCode('120101')).toBe('120101000000');
    expect(f.citizenId('１２０１０１１９５００３１５００２１', false)).toBe('120101195003150021');
    expect(f.citizenId('1.20101E+17', false)).toBeInstanceOf(f.Problem);
  });

  it('remembers a million citizen IDs compactly and finds each again', () => {
    const set = new IdSet();
    const ids: string[] = [];
    for (let i = 0; i < 2000; i++) ids.push(`1201011950${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}${String(i).padStart(3, '0').slice(-3)}X`);
    const unique = [...new Set(ids.map((id) => id.slice(0, 17)))];
    unique.forEach((id, i) => expect(set.addOrGet(`${id}X`, i + 2)).toBeUndefined());
    unique.forEach((id, i) => expect(set.get(`${id}X`)).toBe(i + 2));
    expect(set.addOrGet(`${unique[5]!}X`, 9999)).toBe(7);
    expect(set.size).toBe(unique.length);
  });
});
