/**
 * The command line: `feeds import` (JSON answer, exit status, duplicate batch), `monitor run`
 * (rule problems with file and line on stderr), and `feeds demo` over a small demo city: its feeds
 * import cleanly, some rows wait for review, and a run raises warnings from them.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDb, type TestDb } from '../../testing/db.ts';
import { csvText, tempDir } from '../imports/test-files.ts';
import { buildDemoCity } from '../demo/write.ts';
import { parseDate, runFeedImport, runMonitorCommand } from './cli.ts';
import { writeDemoFeeds } from './demo-feeds.ts';
import { runMonitoring } from './run.ts';

let t: TestDb;
const tmp = tempDir();
beforeAll(async () => {
  t = await testDb();
  await buildDemoCity(t.db, { persons: 3000, seed: 7 });
}, 180_000);
afterAll(async () => { await t?.close(); tmp.remove(); });

function io() {
  const o = { out: '', err: '' };
  return { o, io: { out: (s: string) => { o.out += s; }, err: (s: string) => { o.err += s; } } };
}

describe('feeds and monitor commands', () => {
  it('refuses an impossible --on date with a message naming the option', () => {
    expect(parseDate('2026-11-20')).toBe('2026-11-20');
    for (const bad of ['2026-13-01', '2026-02-30', '2026-1-01', 'today']) {
      expect(() => parseDate(bad)).toThrow(`--on must be a date YYYY-MM-DD, got "${bad}"`);
    }
  });

  it('imports a feed file, prints the batch as JSON, and says when a batch was imported before', async () => {
    const [p] = await t.db.query<{ citizen_id: string }>('SELECT citizen_id FROM person ORDER BY id LIMIT 1');
    const file = tmp.file('deaths.csv', csvText(['公民身份号码', '死亡日期'], [[p!.citizen_id, '2026-01-02'], ['12010119500101001X', '2026-01-02']]));
    const a = io();
    expect(await runFeedImport(t.db, 'death', file, { period: '2026-01' }, a.io)).toBe(0);
    const out = JSON.parse(a.o.out);
    expect(out).toMatchObject({ duplicate: false, batch: { status: 'done', accepted: 1, rejected: 1, matched: 1, period: '2026-01' }, errors: [{ row: 3, field: 'citizenId' }] });
    const b = io();
    expect(await runFeedImport(t.db, 'death', file, { period: '2026-01' }, b.io)).toBe(0);
    expect(JSON.parse(b.o.out).duplicate).toBe(true);
    expect(b.o.err).toContain('imported before');
    const c = io();
    expect(await runFeedImport(t.db, 'death', tmp.file('bad.csv', csvText(['公民身份号码', '死亡日期', '多余'], [[p!.citizen_id, '2026-01-02', 'x']])), {}, c.io)).toBe(2);
    expect(c.o.err).toContain('refused: row 1: unknown columns 3 "多余"');
  });

  it('generates realistic feeds for the demo city that import cleanly and raise warnings', async () => {
    const files = await writeDemoFeeds(t.db, { dir: path.join(tmp.dir, 'demo'), on: '2026-11-20' });
    expect(files.map((f) => f.type).sort()).toEqual(['business', 'contribution', 'death', 'disability', 'medical', 'real-estate', 'unemployment', 'vehicle']);
    expect(files.find((f) => f.type === 'medical')).toMatchObject({ encoding: 'GB18030' });
    expect(files.find((f) => f.type === 'medical')!.rows).toBeGreaterThan(50);
    for (const f of files) {
      const r = io();
      expect(await runFeedImport(t.db, f.type, f.file, { period: f.period }, r.io), `${f.type}: ${r.o.err}`).toBe(0);
      const { batch } = JSON.parse(r.o.out);
      expect(batch.rejected, `${f.type}`).toBe(0);
    }
    const [review] = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM feed_match_review`);
    expect(review!.n).toBeGreaterThan(0);
    const run = await runMonitoring(t.db, { on: '2026-11-20', startedBy: 'test' });
    expect(run.problems).toEqual([]);
    expect(run.perRule.find((r) => r.rule === 'monitoring/medical-spending-hardship')!.candidates + run.perRule.find((r) => r.rule === 'monitoring/medical-spending-hardship')!.suppressed).toBeGreaterThan(0);
  }, 120_000);

  it('monitor run prints the run and reports nothing broken with the shipped rules', async () => {
    const r = io();
    expect(await runMonitorCommand(t.db, '2026-11-21', r.io)).toBe(0);
    const out = JSON.parse(r.o.out);
    expect(out).toMatchObject({ on: '2026-11-21', rules: 6, problems: 0 });
    expect(r.o.err).toBe('');
  });
});
