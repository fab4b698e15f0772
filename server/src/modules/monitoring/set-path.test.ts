/**
 * The whole-registry run's set-based input path (set-inputs.ts, restricted by evidence.ts) raises
 * exactly what the per-entity path (inputs.ts: every field a correlated look-up, what the bench's
 * baseline times) raises, on a generated city with its demo feeds, assistance decisions of every
 * kind, a recorded death, a negative income and members without feed rows: the same candidates
 * with the same inputs (so the same reasons and evidence hashes) for every shipped rule, and the
 * stored warnings of a full run are those.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemScope, type Scope } from '../../platform/auth/scope.ts';
import { testDb, type TestDb } from '../../testing/db.ts';
import { tempDir } from '../imports/test-files.ts';
import { buildDemoCity } from '../demo/write.ts';
import { PolicyCatalogue } from '../policy/catalogue.ts';
import { runPolicy } from '../policy/service.ts';
import { writeDemoFeeds } from './demo-feeds.ts';
import { ruleEvidence } from './evidence.ts';
import { evidenceScale } from './set-inputs.ts';
import { importFeed } from './feed-import.ts';
import { loadRules } from './rule-file.ts';
import { evidenceHash, ruleCandidates, runMonitoring } from './run.ts';
import { feedRows, storeDecision } from './test-fixtures.ts';

const ON = '2026-11-20';
let t: TestDb;
const tmp = tempDir();
const rules = loadRules().rules;
let allIds: number[] = [];
let hhC = 0, hhG = 0;
let moved = { person: 0, from: 0, to: 0 };

beforeAll(async () => {
  t = await testDb();
  const db = t.db;
  await buildDemoCity(db, { persons: 2500, seed: 11 });
  const catalogue = new PolicyCatalogue();
  for (const id of ['tianjin/dibao', 'tianjin/dibao-edge']) await runPolicy(db, catalogue, id, ON, systemScope(), 'test');
  for (const f of await writeDemoFeeds(db, { dir: tmp.dir, on: ON })) {
    await importFeed(db, { type: f.type, filePath: f.file, fileName: path.basename(f.file), period: f.period, actor: 'test' });
  }
  // Every rule gets households on both sides: assisted and not, with and without feed rows.
  const hh = await db.query<{ id: number; members: number[] }>(
    `SELECT household_id AS id, array_agg(id ORDER BY id) AS members FROM person WHERE household_id IS NOT NULL GROUP BY household_id HAVING count(*) >= 2 ORDER BY household_id LIMIT 12`);
  const [a, b, c, d, e, f, g, h] = hh as [typeof hh[0], typeof hh[0], typeof hh[0], typeof hh[0], typeof hh[0], typeof hh[0], typeof hh[0], typeof hh[0]];
  await storeDecision(db, 'tianjin/tekun', 'person', a.members[0]!, true, ON);
  await storeDecision(db, 'tianjin/dibao', 'household', b.id, true, ON);
  await storeDecision(db, 'tianjin/dibao-edge', 'household', c.id, true, ON);
  await storeDecision(db, 'tianjin/dibao', 'household', d.id, true, ON);
  await storeDecision(db, 'tianjin/dibao', 'household', d.id, false, ON); // the latest decision counts (same date: the later run)
  await storeDecision(db, 'tianjin/disability-living-allowance', 'person', b.members[1]!, true, ON);
  await feedRows(db, 'death', [{ personId: a.members[1]!, date: '2026-10-02' }, { personId: e.members[0]!, date: '2026-10-02' }]);
  await db.query(`UPDATE person SET deceased_on = '2026-09-01' WHERE id = $1`, [b.members[0]!]);
  await feedRows(db, 'disability', [a, b, c, e].flatMap((x) => x.members.map((id, i) => ({ personId: id, date: '2026-10-05', data: { status: 'issued', grade: 1 + i, category: 'physical' } }))));
  await feedRows(db, 'vehicle', [{ personId: b.members[1]!, date: '2026-09-09', data: { plate: '津A12345', value: 80000 } }, { personId: f.members[0]!, date: '2026-09-09', data: { plate: '津A12346', value: 80000 } }]);
  await feedRows(db, 'unemployment', [c, f].flatMap((x) => x.members.map((id) => ({ personId: id, date: '2026-10-10', data: { kind: 'registered' } }))));
  await feedRows(db, 'medical', [g, h].map((x) => ({ personId: x.members[0]!, date: '2026-06-01', data: { total: 90000, outOfPocket: 60000, hospital: 'A' } })));
  // A negative income (a business loss): without medical rows no warning (the rule needs spending > 0).
  await db.query(`UPDATE person SET finance = '[{"kind":"income","category":"business","amount":-500,"periodFrom":"2020-01-01","periodTo":null,"note":"loss"}]'::jsonb WHERE id = $1`, [h.members[1]!]);
  allIds = (await db.query<{ id: number }>('SELECT id FROM person ORDER BY id')).map((r) => r.id);
  hhC = c.id; hhG = g.id;
  // A member with large medical bills moves to another household after the bills were matched: the
  // bills count for the household they live in now (feed_row.household_id follows, migration 061).
  const [i, j] = [hh[8]!, hh[9]!];
  await feedRows(db, 'medical', [{ personId: i.members[0]!, date: '2026-07-01', data: { total: 700000, outOfPocket: 600000, hospital: 'B' } }]);
  await db.query(`UPDATE person SET household_id = $2 WHERE id = $1`, [i.members[0]!, j.id]);
  moved = { person: i.members[0]!, from: i.id, to: j.id };
  // Finance items beyond the usual one: two (one of them expired, or an asset) and three (summed by a subquery).
  const items = (...xs: Array<[string, number, string | null]>) => JSON.stringify(xs.map(([kind, amount, periodTo]) => ({ kind, category: 'wage', amount, periodFrom: '2020-01-01', periodTo, note: 'x' })));
  await db.query(`UPDATE person SET finance = $2::jsonb WHERE id = $1`, [c.members[1]!, items(['income', 500, '2025-12-31'], ['asset', 100, null])]);
  await db.query(`UPDATE person SET finance = $2::jsonb WHERE id = $1`, [g.members[1]!, items(['income', 800, null], ['asset', 20000, null])]);
  await db.query(`UPDATE person SET finance = $2::jsonb WHERE id = $1`, [g.members[0]!, items(['income', 300, null], ['income', 200, '2025-12-31'], ['income', -50, null])]);
  // A feed every person appears in (a year of contribution bases; no rule reads it).
  const cb = await feedRows(db, 'contribution', []);
  await db.query(`INSERT INTO feed_row (batch_id, feed_type, row_no, citizen_id, event_date, data, person_id, match_status, matched_by)
    SELECT $1, 'contribution', row_number() OVER (ORDER BY id), citizen_id, '2026-10-01', '{"scheme":"social-insurance","base":3000,"date":"2026-10-01"}', id, 'matched', 'citizen-id' FROM person`, [cb]);
  await db.exec('ANALYZE'); // the planner's row estimates (evidenceScale)
}, 240_000);
afterAll(async () => { await t?.close(); tmp.remove(); });

const byId = <T extends { id: number }>(rows: T[]): T[] => [...rows].sort((x, y) => x.id - y.id);

describe('set-based input path', () => {
  it.each(rules.flatMap((r) => (['few', 'many'] as const).map((scale) => [r.id, scale, r] as const)))('%s (evidence taken as %s): same candidates and inputs as the per-entity path', async (_id, scale, rule) => {
    // `few`: entities with feed evidence looked up row by row; `many`: every fact joined set-based
    // (what a run picks when a feed covers much of the city, e.g. a year of medical settlements).
    const set = await ruleCandidates(t.db, rule, { on: ON, startedBy: 'test' }, systemScope(), 'set', scale);
    const per = await ruleCandidates(t.db, rule, { on: ON, startedBy: 'test', personIds: allIds }, systemScope(), 'per-entity');
    expect(per.rows.length).toBeGreaterThan(0); // the city gives every rule something to raise
    if (rule.id.endsWith('sole-earner-unemployed')) expect(per.rows.map((r) => r.id)).toContain(hhC); // members with 2 finance items
    if (rule.id.endsWith('medical-spending-hardship')) {
      expect(per.rows.map((r) => r.id)).toContain(hhG); // 2 and 3 items
      expect(per.rows.map((r) => r.id)).toContain(moved.to); // the mover's 600,000 yuan count where they live now
    }
    expect(byId(set.rows)).toEqual(byId(per.rows));
    expect(set.errors).toBe(per.errors);
  }, 60_000);

  it('keeps each matched feed row on its person\'s current household (moved person, review match)', async () => {
    const rows = await t.db.query<{ h: number | null }>(`SELECT household_id AS h FROM feed_row WHERE person_id = $1`, [moved.person]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => Number(r.h) === moved.to)).toBe(true);
    // A row matched later (staff review sets person_id) gets the household then; unmatching clears it.
    const [r] = await t.db.query<{ id: number; p: number }>(`SELECT id, person_id AS p FROM feed_row WHERE person_id IS NOT NULL ORDER BY id LIMIT 1`);
    await t.db.query(`UPDATE feed_row SET person_id = NULL, match_status = 'review', matched_by = NULL WHERE id = $1`, [r!.id]);
    expect((await t.db.query<{ h: number | null }>(`SELECT household_id AS h FROM feed_row WHERE id = $1`, [r!.id]))[0]!.h).toBeNull();
    await t.db.query(`UPDATE feed_row SET person_id = $2, match_status = 'matched', matched_by = 'review' WHERE id = $1`, [r!.id, moved.person]);
    expect(Number((await t.db.query<{ h: number | null }>(`SELECT household_id AS h FROM feed_row WHERE id = $1`, [r!.id]))[0]!.h)).toBe(moved.to);
    // A person leaving every household takes their rows out of it.
    const [rel] = await t.db.query<{ r: string }>(`SELECT household_relation AS r FROM person WHERE id = $1`, [moved.person]);
    await t.db.query(`UPDATE person SET household_id = NULL, household_relation = NULL WHERE id = $1`, [moved.person]);
    expect((await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM feed_row WHERE person_id = $1 AND household_id IS NOT NULL`, [moved.person]))[0]!.n).toBe(0);
    await t.db.query(`UPDATE person SET household_id = $2, household_relation = $3 WHERE id = $1`, [moved.person, moved.to, rel!.r]);
    await t.db.query(`UPDATE feed_row SET person_id = $2, matched_by = 'citizen-id' WHERE id = $1`, [r!.id, r!.p]); // as it was
  });

  it('takes a feed every person appears in as `many`, a rare one (or a rare need besides) as `few`', async () => {
    const aggs = (feed: 'death' | 'contribution') => ({ own: { x: { agg: { feed, fn: 'count' as const }, months: 12 } }, members: {} });
    const need = [[{ kind: 'agg' as const, name: 'x' }]];
    expect(await evidenceScale(t.db, 'person', ON, aggs('death'), need)).toBe('few');
    expect(await evidenceScale(t.db, 'person', ON, aggs('contribution'), need)).toBe('many');
    expect(await evidenceScale(t.db, 'person', ON, aggs('contribution'), [...need, [{ kind: 'deceased' }]])).toBe('few'); // a rare need suffices
    expect(await evidenceScale(t.db, 'person', ON, aggs('death'), null)).toBe('many');
  });

  it('a run limited to a district gives the per-entity path\'s candidates in that district', async () => {
    const [d] = await t.db.query<{ d: string }>(`SELECT left(residence_community, 6) AS d FROM household GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`);
    const scope = { ...systemScope([d!.d]), all: false } as Scope; // a district officer's scope
    let seen = 0;
    for (const rule of rules) {
      const set = await ruleCandidates(t.db, rule, { on: ON, startedBy: 'test' }, scope, 'set');
      const per = await ruleCandidates(t.db, rule, { on: ON, startedBy: 'test', personIds: allIds }, scope, 'per-entity');
      expect(byId(set.rows)).toEqual(byId(per.rows));
      seen += set.rows.length;
    }
    expect(seen).toBeGreaterThan(0);
  }, 60_000);

  it('runs every shipped rule over the entities with evidence only', () => {
    const ev = Object.fromEntries(rules.map((r) => [r.id, ruleEvidence(r, ON)]));
    expect(ev['monitoring/benefit-recipient-died']).toEqual([[{ kind: 'assisted' }], [{ kind: 'agg', name: 'deathReports' }, { kind: 'deceased' }]]);
    expect(ev['monitoring/elder-alone-became-disabled']).toEqual([[{ kind: 'agg', name: 'newCertificates' }]]);
    // Restated with a household income total and actual spending (> 0): only households with medical rows.
    expect(ev['monitoring/medical-spending-hardship']).toEqual([[{ kind: 'agg', name: 'medicalOutOfPocket' }]]);
    // A member's unemployment registration is needed (members.exists(m, … && m.unemploymentRegistrations > 0)).
    expect(ev['monitoring/sole-earner-unemployed']).toEqual([[{ kind: 'assisted' }], [{ kind: 'memberAgg', name: 'unemploymentRegistrations' }]]);
  });

  it('a full run stores exactly the warnings the per-entity candidates give', async () => {
    const expected = new Set<string>();
    for (const rule of rules) {
      const per = await ruleCandidates(t.db, rule, { on: ON, startedBy: 'test', personIds: allIds }, systemScope(), 'per-entity');
      for (const row of per.rows) {
        const [s] = rule.policy.entity === 'household'
          ? [{ key: `household:${row.id}` }]
          : await t.db.query<{ key: string }>(`SELECT CASE WHEN household_id IS NULL THEN 'person:' || id ELSE 'household:' || household_id END AS key FROM person WHERE id = $1`, [row.id]);
        expected.add(`${rule.id}|${s!.key}|${evidenceHash(rule, row.input)}`);
      }
    }
    const run = await runMonitoring(t.db, { on: ON, startedBy: 'test', rules: { rules, errors: [] } });
    expect(run.problems).toEqual([]);
    const stored = await t.db.query<{ k: string }>(`SELECT rule_id || '|' || subject_key || '|' || evidence_hash AS k FROM monitoring_warning WHERE run_id = $1`, [run.id]);
    expect(new Set(stored.map((r) => r.k))).toEqual(expected);
    expect(stored.length).toBe(expected.size);
  }, 120_000);
});
