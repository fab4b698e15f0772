/** The import endpoints end to end, through the real login, guard and multipart handling. */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportJob } from '@minsheng/contracts';
import { testApp, type TestApp } from '../../testing/app.ts';
import { staffClient, type Client } from '../../testing/auth.ts';
import { createHttpServer } from '../../platform/http.ts';
import { installGuard } from '../../platform/auth/guard.ts';
import { registerAccountRoutes } from '../accounts/routes.ts';
import { registerImportRoutes, samplesDir } from './routes.ts';
import { csvText, encode, HEXI, PERSON_HEADER_ZH, testPerson, zhRow } from './test-files.ts';

type Part = [name: string, value: string | { filename: string; content: Buffer | string }];

/** A multipart/form-data body, parts in the given order. */
function form(parts: Part[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----minsheng${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of parts) {
    if (typeof value === 'string') {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${value.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
      chunks.push(Buffer.isBuffer(value.content) ? value.content : Buffer.from(value.content));
      chunks.push(Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const upload = (c: Client, parts: Part[], query = '') => {
  const { payload, headers } = form(parts);
  return c.inject({ method: 'POST', url: `/api/imports${query}`, payload, headers });
};

async function waitFor(c: Client, id: number): Promise<ImportJob> {
  for (let i = 0; i < 200; i++) {
    const job = (await c.inject(`/api/imports/${id}`)).json() as ImportJob;
    if (job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`import ${id} did not finish`);
}

let t: TestApp;
let admin: Client;
beforeAll(async () => {
  t = await testApp();
  admin = await staffClient(t.app, t.ctx.db, 'city-admin', '120000000000');
});
afterAll(async () => { await t.close(); });

describe('POST /api/imports', () => {
  it('answers 202 at once; the job runs in the background and can be followed', async () => {
    const sample = fs.readFileSync(path.join(samplesDir, 'persons.csv'));
    // The console sends kind first; a script sending it after the file works as well.
    const res = await upload(admin, [['file', { filename: '人员名单.csv', content: sample }], ['kind', 'persons']]);
    expect(res.statusCode).toBe(202);
    const { id } = res.json() as { id: number };
    const job = await waitFor(admin, id);
    expect(job).toMatchObject({ id, kind: 'persons', fileName: '人员名单.csv', status: 'done', accepted: 12, rejected: 0, startedBy: admin.username });
    const list = (await admin.inject('/api/imports')).json() as { items: ImportJob[] };
    expect(list.items[0]).toMatchObject({ id, status: 'done', errors: [] });
  });

  it('?wait=1 answers the finished job, with the rejected rows named', async () => {
    const good = testPerson();
    const bad = testPerson({ community: '120199999999' });
    const file = encode(csvText(PERSON_HEADER_ZH, [zhRow(good), zhRow(bad)]), 'gb18030');
    const res = await upload(admin, [['kind', 'persons'], ['file', { filename: 'gbk.csv', content: file }]], '?wait=1');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'done', encoding: 'GB18030', accepted: 1, rejected: 1,
      errors: [{ row: 3, field: 'residenceCommunity', message: 'unknown community code 120199999999' }],
    });
  });

  it('streams the rejected rows back as an XLSX with the original columns and the reason', async () => {
    const bad = testPerson();
    const wrong = bad.citizenId.slice(0, 17) + (bad.citizenId[17] === '3' ? '4' : '3');
    const file = csvText(PERSON_HEADER_ZH, [zhRow(testPerson()), zhRow({ ...bad, citizenId: wrong })]);
    const job = (await upload(admin, [['kind', 'persons'], ['file', { filename: 'x.csv', content: file }]], '?wait=1')).json() as ImportJob;
    const res = await admin.inject(`/api/imports/${job.id}/rejected.xlsx`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const rows = wb.worksheets[0]!.getSheetValues().filter(Boolean).map((r) => (r as unknown[]).slice(1));
    expect(rows[0]).toEqual([...PERSON_HEADER_ZH, '错误字段', '错误原因', '原行号']);
    expect(rows.length).toBe(2);
    expect(rows[1]?.slice(0, 3)).toEqual([bad.name, wrong, '女']);
    expect(rows[1]?.slice(-3)).toEqual(['公民身份号码', expect.stringContaining('check digit'), 3]);
    const audit = await t.ctx.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE entity = 'import' AND entity_id = $1 ORDER BY id`, [String(job.id)]);
    expect(audit.map((a) => a.action)).toEqual(['import.start', 'import.finish', 'import.rejected-download']);
    // The download can be fixed and imported as it is: its three extra columns are ignored.
    const again = (await upload(admin, [['kind', 'persons'], ['file', { filename: 'r.xlsx', content: res.rawPayload }]], '?wait=1')).json() as ImportJob;
    expect(again).toMatchObject({ rejected: 1, errors: [{ row: 2, field: 'citizenId' }] });
    expect(again.warnings[0]).toContain('错误原因');
    const second = new ExcelJS.Workbook();
    await second.xlsx.load((await admin.inject(`/api/imports/${again.id}/rejected.xlsx`)).rawPayload as unknown as ArrayBuffer);
    expect((second.worksheets[0]!.getRow(1).values as unknown[]).slice(1)).toEqual([...PERSON_HEADER_ZH, '错误字段', '错误原因', '原行号']);
  });

  it('a file that is not a spreadsheet ends the job with the reason; the server stays up', async () => {
    const res = await upload(admin, [['kind', 'persons'], ['file', { filename: 'scan.csv', content: Buffer.from('%PDF-1.5 binary') }]], '?wait=1');
    expect(res.json()).toMatchObject({ status: 'failed', accepted: 0, failure: 'not a CSV or XLSX spreadsheet: this is a PDF document' });
    expect((await t.app.inject('/api/health')).statusCode).toBe(200);
  });

  it('refuses a missing or unknown kind, a missing file and a body that is not multipart, naming the field', async () => {
    const file: Part = ['file', { filename: 'p.csv', content: 'a,b\n' }];
    for (const parts of [[file], [['kind', 'pets'], file]] as Part[][]) {
      const res = await upload(admin, parts);
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'validation', details: { field: 'kind' } });
    }
    const none = await upload(admin, [['kind', 'persons']]);
    expect(none.statusCode).toBe(422);
    expect(none.json().error.details.field).toBe('file');
    const json = await admin.inject({ method: 'POST', url: '/api/imports', payload: { kind: 'persons' } });
    expect(json.statusCode).toBe(415);
  });

  it('serves the sample files', async () => {
    const res = await admin.inject('/api/imports/samples/households.csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.body.startsWith('\ufeff户编号,住址')).toBe(true);
    expect((await admin.inject('/api/imports/samples/secrets.csv')).statusCode).toBe(422);
  });
});

describe('who may import and see imports', () => {
  it('needs the import permission; a district sees its own jobs and imports only inside its region', async () => {
    const worker = await staffClient(t.app, t.ctx.db, 'community-worker', '120101001001');
    const denied = await upload(worker, [['kind', 'persons'], ['file', { filename: 'p.csv', content: 'x' }]]);
    expect(denied.statusCode).toBe(403);

    const district = await staffClient(t.app, t.ctx.db, 'district-staff', '120101000000');
    const file = csvText(PERSON_HEADER_ZH, [zhRow(testPerson()), zhRow(testPerson({ community: HEXI }))]);
    const job = (await upload(district, [['kind', 'persons'], ['file', { filename: 'd.csv', content: file }]], '?wait=1')).json() as ImportJob;
    expect(job).toMatchObject({ accepted: 1, rejected: 1, errors: [{ row: 3, field: 'residenceCommunity', message: `community ${HEXI} is outside your region` }] });

    const adminJobs = (await admin.inject('/api/imports')).json() as { items: ImportJob[] };
    expect(adminJobs.items.some((j) => j.id === job.id)).toBe(true);
    const theirs = (await district.inject('/api/imports')).json() as { items: ImportJob[] };
    expect(theirs.items.map((j) => j.id)).toEqual([job.id]);
    expect((await district.inject(`/api/imports/${adminJobs.items.at(-1)!.id}`)).statusCode).toBe(404);
  });
});

describe('upload limit', () => {
  let small: FastifyInstance;
  beforeAll(async () => {
    small = await createHttpServer({ logLevel: 'silent', maxUploadBytes: 4096 });
    small.decorate('routeTable', installGuard(small, t.ctx.db));
    registerAccountRoutes(small, t.ctx);
    registerImportRoutes(small, t.ctx);
  });
  afterAll(async () => { await small.close(); });

  it('answers 413 with a clear message for a file over the limit', async () => {
    const c = await staffClient(small, t.ctx.db, 'city-admin', '120000000000');
    const res = await upload(c, [['kind', 'persons'], ['file', { filename: 'big.csv', content: Buffer.alloc(10_000, 0x41) }]]);
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'too_large', details: { field: 'file' } });
    expect(res.json().error.message).toContain('npx minsheng import');
  });
});
