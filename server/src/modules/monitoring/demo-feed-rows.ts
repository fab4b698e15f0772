/**
 * Demo feeds at city scale, straight into feed_row: one `INSERT … SELECT` per feed type over the
 * registry, for the millions of rows a city's departments send in a year (demo-feeds.ts writes CSV
 * files that go through the importer, which is what a user does, but holds the persons in memory
 * and imports ~15,000 rows/s: fine for a demo district, hours for a city).
 *
 * The same feeds and rates as demo-feeds.ts, deterministic per person (a hash of the person id,
 * never a random generator), every row matched by citizen ID (no review-queue rows) and dated in
 * the windows the rules read:
 *  - medical: one routine settlement per living person in the year before `on` (30 % out of
 *    pocket); 4 % of the households with under 3,000 yuan per head a month have a serious illness:
 *    6–11 monthly settlements of 3,000–6,900 yuan, 40–70 % out of pocket (on the head's name) —
 *    the poorest of them are assisted already, the others are what the 刚性支出 rule looks for;
 *  - death: 1 % of persons aged 80 or more, in the 80 days before `on`;
 *  - disability certificates 0.6 % (90 % issued, grades 1–4), unemployment registrations 1 % of
 *    earners aged 18–59, property 0.3 % (aged 25+), vehicles 0.5 % (20–74), businesses 0.3 % (20–64);
 *  - contribution bases (社保/公积金, monthly): as many rows as it takes to reach `rowsPerPerson`
 *    rows per person, spread over the earners under 60, one month each, going back from the month
 *    before `on` — the bulk of a real year's feed besides medical settlements.
 * Each type is one feed_batch (department 'demo', period = the month of `on`).
 */
import type { Queryable } from '../../platform/db.ts';
import { FEEDS, type FeedType } from './feeds.ts';

export interface DemoFeedRowsOptions { on: string; rowsPerPerson?: number; seed?: number; log?: (msg: string) => void }
export interface DemoFeedRowsResult { rows: Record<FeedType, number>; total: number; persons: number }

/** A uniform integer in [0, m) from the person id and a salt (PostgreSQL's own integer hash). */
const h = (id: string, salt: number, m: number): string => `((hashint8(${id} * 64 + ${salt}) & 2147483647) % ${m})`;

export async function insertDemoFeedRows(db: Queryable, opts: DemoFeedRowsOptions): Promise<DemoFeedRowsResult> {
  const seed = (opts.seed ?? 7) * 1000;
  const perPerson = opts.rowsPerPerson ?? 2;
  if (!Number.isFinite(perPerson) || perPerson < 1 || perPerson > 20) throw new RangeError(`rowsPerPerson must be from 1 to 20, not ${perPerson}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.on)) throw new RangeError(`on: not a date: ${opts.on}`);
  const on = `'${opts.on}'::date`;
  const log = opts.log ?? ((): void => {});
  const [{ n: persons }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM person') as [{ n: number }];
  const rows = {} as Record<FeedType, number>;
  const batch = async (type: FeedType): Promise<number> => {
    const [b] = await db.query<{ id: number }>(
      `INSERT INTO feed_batch (feed_type, schema_version, department, period, file_name, checksum, status, started_by, finished_at)
       VALUES ($1, $2, 'demo', $3, $4, encode(sha256(convert_to($4, 'UTF8')), 'hex'), 'running', 'demo', NULL) RETURNING id`,
      [type, FEEDS[type].version, opts.on.slice(0, 7), `demo-${type}-${opts.on}-seed${seed}.sql`]);
    return b!.id;
  };
  /** Inserts `select` (columns person_id, household_id — the person's, which spares the feed_row trigger its look-up —, citizen_id, event_date, data) as one batch of `type`. */
  const insert = async (type: FeedType, select: string): Promise<void> => {
    const id = await batch(type);
    const t = performance.now();
    const [{ n }] = await db.query<{ n: number }>(
      `WITH ins AS (INSERT INTO feed_row (batch_id, feed_type, row_no, citizen_id, event_date, data, person_id, household_id, match_status, matched_by)
         SELECT ${id}, '${type}', row_number() OVER (), s.citizen_id, s.event_date, s.data, s.person_id, s.household_id, 'matched', 'citizen-id' FROM (${select}) s RETURNING 1)
       SELECT count(*)::int AS n FROM ins`) as [{ n: number }];
    rows[type] = n;
    await db.query(`UPDATE feed_batch SET status = 'done', processed = $2, accepted = $2, matched = $2, finished_at = now() WHERE id = $1`, [id, n]);
    log(`${type}: ${n.toLocaleString('en')} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  const living = `p.deceased_on IS NULL`;
  const age = `extract(year from age(${on}, p.birth_date))`;
  const income = `(SELECT coalesce(sum((f.v->>'amount')::numeric), 0) FROM jsonb_array_elements(p.finance) f(v) WHERE f.v->>'kind' = 'income')`;
  const day = (salt: number, span: number): string => `(${on} - (1 + ${h('p.id', seed + salt, span)})::int)`;
  const iso = (d: string): string => `to_char(${d}, 'YYYY-MM-DD')`;

  // Routine settlements: every living person once in the year.
  await insert('medical', `SELECT p.id AS person_id, p.household_id, p.citizen_id, d AS event_date,
      jsonb_build_object('date', ${iso('d')}, 'total', t, 'outOfPocket', round(t * 0.3), 'hospital', 'demo') AS data
    FROM person p CROSS JOIN LATERAL (SELECT ${day(1, 360)} AS d, (100 + ${h('p.id', seed + 2, 80)} * 25) AS t) x WHERE ${living}
    UNION ALL
    -- Serious illnesses in poor households: monthly settlements on the head's name.
    (WITH poor AS (
      SELECT p.household_id FROM person p WHERE p.household_id IS NOT NULL AND ${living}
      GROUP BY p.household_id HAVING sum(${income}) / count(*) < 3000)
    SELECT p.id AS person_id, p.household_id, p.citizen_id, d AS event_date,
      jsonb_build_object('date', ${iso('d')}, 'total', t, 'outOfPocket', round(t * (40 + ${h('p.id', seed + 5, 31)}) / 100.0), 'hospital', 'demo') AS data
    FROM poor JOIN household hh ON hh.id = poor.household_id JOIN person p ON p.id = hh.head_person_id AND ${living}
    CROSS JOIN LATERAL generate_series(0, 5 + ${h('p.id', seed + 3, 6)}) AS m
    CROSS JOIN LATERAL (SELECT (${on} - (5 + m * 30 + ${h('p.id', seed + 6, 10)})::int) AS d, (3000 + ${h('p.id * 16 + m', seed + 4, 40)} * 100) AS t) x
    WHERE ${h('poor.household_id', seed + 7, 100)} < 4)`);
  await insert('death', `SELECT p.id AS person_id, p.household_id, p.citizen_id, d AS event_date, jsonb_build_object('date', ${iso('d')}) AS data
    FROM person p CROSS JOIN LATERAL (SELECT ${day(10, 80)} AS d) x WHERE ${living} AND ${age} >= 80 AND ${h('p.id', seed + 11, 100)} = 0`);
  await insert('disability', `SELECT p.id AS person_id, p.household_id, p.citizen_id, d AS event_date,
      jsonb_build_object('category', (ARRAY['physical','visual','hearing','speech','intellectual','mental'])[1 + ${h('p.id', seed + 21, 6)}],
        'grade', 1 + ${h('p.id', seed + 22, 4)}, 'status', CASE WHEN ${h('p.id', seed + 23, 10)} = 0 THEN 'revoked' ELSE 'issued' END, 'date', ${iso('d')}) AS data
    FROM person p CROSS JOIN LATERAL (SELECT ${day(20, 80)} AS d) x WHERE ${living} AND ${h('p.id', seed + 24, 1000)} < 6`);
  await insert('unemployment', `SELECT p.id AS person_id, p.household_id, p.citizen_id, d AS event_date, jsonb_build_object('date', ${iso('d')}, 'kind', 'registered') AS data
    FROM person p CROSS JOIN LATERAL (SELECT ${day(30, 80)} AS d) x WHERE ${living} AND ${age} BETWEEN 18 AND 59 AND ${h('p.id', seed + 31, 100)} = 0 AND ${income} > 0`);
  await insert('real-estate', `SELECT p.id AS person_id, p.household_id, p.citizen_id, d AS event_date,
      jsonb_build_object('count', 1, 'area', 45 + ${h('p.id', seed + 41, 80)}, 'date', ${iso('d')}) AS data
    FROM person p CROSS JOIN LATERAL (SELECT ${day(40, 80)} AS d) x WHERE ${living} AND ${age} >= 25 AND ${h('p.id', seed + 42, 1000)} < 3`);
  await insert('vehicle', `SELECT p.id AS person_id, p.household_id, p.citizen_id, d AS event_date,
      jsonb_build_object('date', ${iso('d')}, 'valueBand', (ARRAY['under-50k','50k-100k','100k-200k','over-200k'])[1 + ${h('p.id', seed + 51, 4)}]) AS data
    FROM person p CROSS JOIN LATERAL (SELECT ${day(50, 80)} AS d) x WHERE ${living} AND ${age} BETWEEN 20 AND 74 AND ${h('p.id', seed + 52, 1000)} < 5`);
  await insert('business', `SELECT p.id AS person_id, p.household_id, p.citizen_id, d AS event_date,
      jsonb_build_object('role', (ARRAY['legal-representative','shareholder','sole-proprietor'])[1 + ${h('p.id', seed + 61, 3)}],
        'capital', (1 + ${h('p.id', seed + 62, 50)}) * 10000, 'date', ${iso('d')}) AS data
    FROM person p CROSS JOIN LATERAL (SELECT ${day(60, 80)} AS d) x WHERE ${living} AND ${age} BETWEEN 20 AND 64 AND ${h('p.id', seed + 63, 1000)} < 3`);
  const sofar = Object.values(rows).reduce((s, n) => s + n, 0);
  const rest = Math.max(0, Math.round(perPerson * persons) - sofar);
  if (rest > 0) {
    const [{ n: earners }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM person p WHERE ${living} AND ${age} < 60 AND ${income} > 0`) as [{ n: number }];
    const months = Math.min(120, Math.ceil(rest / Math.max(1, earners)));
    if (earners > 0) {
      await insert('contribution', `SELECT p.id AS person_id, p.household_id, p.citizen_id, d AS event_date,
          jsonb_build_object('scheme', CASE WHEN ${h('p.id', seed + 71, 10)} < 7 THEN 'social-insurance' ELSE 'provident-fund' END,
            'base', greatest(i, 3000), 'date', ${iso('d')}) AS data
        FROM (SELECT p.id, p.household_id, p.citizen_id, ${income} AS i FROM person p WHERE ${living} AND ${age} < 60) p
        CROSS JOIN LATERAL generate_series(1, ${months}) AS m
        CROSS JOIN LATERAL (SELECT (date_trunc('month', ${on}) - make_interval(months => m))::date AS d) x
        WHERE p.i > 0 LIMIT ${rest}`);
    }
  }
  return { rows, total: Object.values(rows).reduce((s, n) => s + n, 0), persons };
}
