/** Building import files for the tests: CSV in any encoding, XLSX, valid Tianjin persons. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { makeCitizenId, type ImportKind } from '@minsheng/contracts';
import type { Db } from '../../platform/db.ts';
import { systemScope, type Scope } from '../../platform/auth/scope.ts';
import { importFile, type RunResult } from './run.ts';

export const HEPING = '120101001001'; // 和平区 劝业场街道 花园路社区
export const HEPING_2 = '120101001002'; // 滨西社区
export const HEXI = '120103001001'; // 河西区 九江路社区

export const PERSON_HEADER_ZH = ['姓名', '公民身份号码', '性别', '出生日期', '联系电话', '户籍地区划代码', '居住社区代码', '能力等级', '居住状况'];
export const PERSON_HEADER_EN = ['name', 'citizenId', 'sex', 'birthDate', 'phone', 'hukouRegion', 'residenceCommunity', 'abilityLevel', 'livingArrangement'];

let counter = 0;
export interface TestPerson { name: string; citizenId: string; sex: 'M' | 'F'; birthDate: string; phone: string; community: string }

/** A valid person with a citizen ID no other call returns (a new birth date each time unless given). */
export function testPerson(over: Partial<TestPerson> = {}): TestPerson {
  counter += 1;
  const birthDate = over.birthDate ?? new Date(Date.UTC(1930, 0, 1) + counter * 86_400_000).toISOString().slice(0, 10);
  const sex = over.sex ?? 'F';
  return { name: '刘淑珍', citizenId: makeCitizenId('120101', birthDate, (2 * counter) % 1000, sex), sex, birthDate, phone: '13912345678', community: HEPING, ...over };
}

/** A person as a row under PERSON_HEADER_ZH (Chinese values). */
export const zhRow = (p: TestPerson): string[] =>
  [p.name, p.citizenId, p.sex === 'M' ? '男' : '女', p.birthDate, p.phone, p.community, p.community, '轻度失能', '独居'];
/** The same under PERSON_HEADER_EN (English values). */
export const enRow = (p: TestPerson): string[] =>
  [p.name, p.citizenId, p.sex, p.birthDate, p.phone, p.community, p.community, 'mild', 'alone'];

const quote = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
export function csvText(header: readonly string[], rows: ReadonlyArray<readonly string[]>, eol = '\r\n'): string {
  return [header, ...rows].map((r) => r.map(quote).join(',')).join(eol) + eol;
}

export function encode(text: string, encoding: 'utf8-bom' | 'utf8' | 'gb18030' | 'utf16le-bom'): Buffer {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  if (encoding === 'utf8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  if (encoding === 'utf16le-bom') return Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]);
  return iconv.encode(text, 'gb18030');
}

export type XlsxCell = string | number | Date | null;
export async function xlsxBuffer(rows: ReadonlyArray<readonly XlsxCell[]>, opts: { dateFormat?: boolean } = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('人员');
  for (const r of rows) ws.addRow([...r]);
  if (opts.dateFormat) ws.eachRow((row) => row.eachCell((cell) => { if (cell.value instanceof Date) cell.numFmt = 'yyyy-mm-dd'; }));
  wb.addWorksheet('说明').addRow(['this second sheet is ignored']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function tempDir(): { dir: string; file(name: string, content: string | Buffer): string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minsheng-import-test-'));
  return {
    dir,
    file: (name, content) => { const p = path.join(dir, name); fs.writeFileSync(p, content); return p; },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export function runFile(db: Db, kind: ImportKind, filePath: string, opts: { scope?: Scope; batchRows?: number; actor?: string } = {}): Promise<RunResult> {
  return importFile(db, {
    kind, filePath, fileName: path.basename(filePath), actor: { name: opts.actor ?? 'test' }, scope: opts.scope ?? systemScope(),
    batchRows: opts.batchRows,
  });
}

export async function countRows(db: Db): Promise<{ persons: number; history: number; households: number; relations: number }> {
  const [r] = await db.query<{ persons: number; history: number; households: number; relations: number }>(
    `SELECT (SELECT count(*)::int FROM person) AS persons, ((SELECT count(*)::int FROM person_history) + (SELECT count(*)::int FROM record_history WHERE entity = 'household')) AS history,
            (SELECT count(*)::int FROM household) AS households, (SELECT count(*)::int FROM person_relation) AS relations`);
  return r!;
}
