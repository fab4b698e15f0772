/**
 * Column-shaped input (ColumnPlan): for every policy and date whose formulas allow a plan, random
 * inputs are decided by the compiled query over the jsonb input and by the compiled query over
 * the same inputs as typed columns (reduced lists as aggregates, `listAggregates`), and every row
 * must be identical: eligible, outcome, amount, failed rules, error. The jsonb path is the one
 * sql.property.test.ts holds equal to the JS evaluator.
 *
 * The column relation is derived here from the JSON rows, as a registry builder would give it:
 * a value whose JSON type a typed column cannot hold (a string where a number is declared, a
 * list that is not an array of objects) has no column form, and such a row is left out; at
 * least half of the generated rows must remain. Runs on PGlite, and on PostgreSQL when
 * MINSHENG_TEST_DATABASE_URL is set.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputArbitrary, interestingDates } from '../testing/arbitraries.ts';
import { pgliteRunner, postgresRunner, postgresUrl, runBatch, type SqlRunner } from '../testing/db.ts';
import { fixturePolicies, languagePolicies, shippedPolicies } from '../testing/fixtures.ts';
import { columnPlan, compileToSql, listAggregates, pruning, quote, type ColumnField, type ColumnPlan, type Pruning } from './sql.ts';

const TABLE = 'rules_input_cols';
const BATCH = 50;
const RUNS_PER_DATE = Number(process.env.MINSHENG_RULES_PROPERTY_RUNS ?? 5);
const SEED = Number(process.env.MINSHENG_RULES_PROPERTY_SEED ?? 20261127);

const JSON_TYPE: Record<string, string> = { numeric: 'number', boolean: 'boolean', text: 'string' };

/** The column value of JSON `x` (NULL when absent or null). */
function extract(c: ColumnField, x: string): string {
  if (c.sqlType === 'jsonb') return x;
  return `CASE WHEN jsonb_typeof(${x}) = '${JSON_TYPE[c.sqlType]}' THEN (${x} #>> '{}')::${c.sqlType} END`;
}

/** Whether a typed column can hold JSON `x`. */
function fits(c: ColumnField, x: string): string {
  return c.sqlType === 'jsonb' ? 'true' : `coalesce(jsonb_typeof(${x}), 'null') IN ('null', '${JSON_TYPE[c.sqlType]}')`;
}

/**
 * The column-shaped relation of the plan over the JSON rows of TABLE, rows without a column form
 * left out. With `prune`, as a batch run that keeps only eligible and error rows gives it: a
 * list's aggregates only for the rows that need them or have a bad element.
 */
function columnRelation(plan: ColumnPlan, prune?: Pruning, repeated = false): string {
  const root = `t.input->${quote(plan.entity)}`;
  const at = (name: string): string => `(${root})->${quote(name)}`;
  const cols = plan.fields.map((f) => `${extract(f, at(f.name))} AS ${f.col}`);
  const needed = prune ? `SELECT __o.id FROM (SELECT t.id, ${cols.join(', ')} FROM ${TABLE} t WHERE jsonb_typeof(${root}) = 'object') __o WHERE ${prune.needed((c) => `__o.${c}`)}` : '';
  const joins: string[] = [];
  const conds = [`jsonb_typeof(${root}) = 'object'`, ...plan.fields.map((f) => fits(f, at(f.name)))];
  plan.lists.forEach((l, i) => {
    const el = (name: string): string => `__x.v->${quote(name)}`;
    const once = `SELECT t.id AS key, ${l.elemFields.map((f) => `${extract(f, el(f.name))} AS ${f.col}`).join(', ')}
      FROM ${TABLE} t CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(${at(l.name)}) = 'array' THEN ${at(l.name)} ELSE '[]'::jsonb END) AS __x(v)`;
    // `repeated`: every element of a set-like list given twice, as a relation that does not remove repeats gives them.
    const elements = repeated && l.setLike ? `${once} UNION ALL ${once}` : once;
    const kept = prune
      ? `SELECT __k.* FROM (${elements}) __k WHERE __k.key IN (${needed}) OR __k.key IN (SELECT __b.key FROM (${elements}) __b WHERE ${prune.bad(l.name, (c) => `__b.${c}`)})`
      : elements;
    joins.push(`LEFT JOIN (${listAggregates(l, kept)}) AS __a${i} ON __a${i}.key = t.id`);
    cols.push(...l.aggregates.map((a) => `__a${i}.${a.col} AS ${a.col}`));
    const elemFits = l.elemFields.map((f) => fits(f, el(f.name))).join(' AND ') || 'true';
    conds.push(`jsonb_typeof(${at(l.name)}) = 'array'`,
      `NOT EXISTS (SELECT 1 FROM jsonb_array_elements(${at(l.name)}) AS __x(v) WHERE NOT (jsonb_typeof(__x.v) = 'object' AND ${elemFits}))`);
  });
  // CASE keeps the element checks from running on a value that is not an array.
  const where = conds.reduce((acc, c) => `CASE WHEN ${acc} THEN ${c} ELSE false END`);
  return `SELECT t.id AS id, ${cols.join(', ')} FROM ${TABLE} t ${joins.join(' ')} WHERE ${where}`;
}

const runners: { name: string; open: () => Promise<SqlRunner> }[] = [{ name: 'pglite', open: pgliteRunner }];
const url = postgresUrl();
if (url) runners.push({ name: 'postgres', open: () => postgresRunner(url) });

const policies = [...fixturePolicies(), ...languagePolicies(), ...shippedPolicies()];

describe.each(runners)('compiled SQL over typed columns == over the jsonb input on $name', ({ open }) => {
  let db: SqlRunner;
  beforeAll(async () => {
    db = await open();
    await db.query(`CREATE TEMP TABLE ${TABLE} (id int PRIMARY KEY, input jsonb)`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('the assistance policies have plans that reduce their lists of records', () => {
    const byId = new Map(policies.map((p) => [p.id, p]));
    const dibao = columnPlan(byId.get('tianjin.dibao')!, '2026-07-01');
    expect(dibao?.lists.map((l) => l.name)).toEqual(['members']);
    const tekun = columnPlan(byId.get('tianjin.tekun')!, '2026-07-01');
    expect(tekun?.lists.map((l) => l.name)).toEqual(['supporters']);
    // tekun asks whether all its supporters are unable; dibao sums and counts its members
    expect(tekun?.lists[0]?.setLike).toBe(true);
    expect(dibao?.lists[0]?.setLike).toBe(false);
    // elder-alone-guard compares each child with the person's own street: its list stays jsonb.
    const guard = columnPlan(byId.get('tianjin.elder-alone-guard')!, '2026-07-01');
    expect(guard?.lists).toEqual([]);
    expect(guard?.fields.find((f) => f.name === 'children')?.sqlType).toBe('jsonb');
  });

  it('a relation planned for other parameters is refused', () => {
    const p = policies.find((x) => x.id === 'tianjin.dibao')!;
    const plan = columnPlan(p, '2026-07-01')!;
    const other = { ...plan, lists: plan.lists.map((l) => ({ ...l, values: l.values.map((v) => ({ ...v, sql: `${v.sql} + 1` })) })) };
    expect(() => compileToSql(p, '2026-07-01', { inputRelation: 'SELECT 1', columns: other })).toThrow(/column plan was not made/);
  });

  for (const policy of policies) {
    it(`${policy.id}: random inputs decide the same over columns and over jsonb`, async () => {
      let compared = 0;
      let generated = 0;
      let planned = 0;
      for (const [k, on] of interestingDates(policy).entries()) {
        const plan = columnPlan(policy, on);
        if (!plan) continue;
        planned++;
        const viaJson = compileToSql(policy, on, { inputRelation: `SELECT id, input FROM ${TABLE}` });
        const viaColumns = compileToSql(policy, on, { inputRelation: columnRelation(plan), columns: plan });
        const viaRepeated = compileToSql(policy, on, { inputRelation: columnRelation(plan, undefined, true), columns: plan });
        await fc.assert(
          fc.asyncProperty(fc.array(inputArbitrary(policy, on), { minLength: BATCH, maxLength: BATCH }), async (inputs) => {
            const json = await runBatch(db, TABLE, inputs, viaJson);
            const cols = await db.query<{ id: number }>(`${viaColumns} ORDER BY id`);
            for (const row of cols) {
              const id = Number(row.id);
              const want = json[id];
              if (JSON.stringify({ ...row, id }) !== JSON.stringify(want)) {
                throw new Error(`${policy.id} on ${on}, input ${JSON.stringify(inputs[id])}: columns ${JSON.stringify(row)} != jsonb ${JSON.stringify(want)}`);
              }
            }
            // A set-like list's elements given twice decide the same.
            const twice = await db.query<{ id: number }>(`${viaRepeated} ORDER BY id`);
            expect(twice.map((r) => ({ ...r, id: Number(r.id) }))).toEqual(cols.map((r) => ({ ...r, id: Number(r.id) })));
            compared += cols.length;
            generated += inputs.length;
          }),
          { numRuns: RUNS_PER_DATE, seed: SEED + k },
        );
      }
      if (planned === 0) return; // reads its input whole: always the jsonb path
      expect(compared).toBeGreaterThan(generated / 2);
    }, Math.max(60_000, RUNS_PER_DATE * 5_000));
  }

  it('tekun may skip its supporters for most persons; a policy whose list conditions may fail to evaluate may not', () => {
    const byId = new Map(policies.map((p) => [p.id, p]));
    expect(pruning(byId.get('tianjin.tekun')!, '2026-07-01')).toBeDefined();
    // dibao reads its members only through lists: no condition is decided without them.
    expect(pruning(byId.get('tianjin.dibao')!, '2026-07-01')).toBeUndefined();
  });

  it('disability-living-allowance may defer its assistance category; a field that is not a required scalar may not be deferred', () => {
    const byId = new Map(policies.map((p) => [p.id, p]));
    const living = byId.get('tianjin.disability-living-allowance')!;
    expect(pruning(living, '2026-07-01')).toBeUndefined(); // no reduced list, nothing deferred
    expect(pruning(living, '2026-07-01', [], ['assistance'])).toBeDefined();
    expect(pruning(living, '2026-07-01', [], ['disabilityGrade'])).toBeUndefined(); // optional
  });

  it('rigid expenditure may defer its category over its members\' sums; dibao, without a deferred field, may not be pruned', () => {
    const byId = new Map(policies.map((p) => [p.id, p]));
    const rigid = byId.get('tianjin.rigid-expenditure-hardship')!;
    // Every condition reads the members list: pruned only with it as the row's own.
    expect(pruning(rigid, '2026-07-01', [], ['assistance'])).toBeUndefined();
    expect(pruning(rigid, '2026-07-01', [], ['assistance'], ['members'])).toBeDefined();
    expect(pruning(byId.get('tianjin.dibao')!, '2026-07-01', [], [], ['members'])).toBeUndefined();
    expect(pruning(rigid, '2026-07-01', [], ['assistance'], ['no-such-list'])).toBeUndefined();
  });

  it("rigid expenditure's pruning test computes each of its own conditions once a row, as the database plans it", async () => {
    const rigid = policies.find((p) => p.id === 'tianjin.rigid-expenditure-hardship')!;
    const on = '2026-07-01';
    const plan = columnPlan(rigid, on)!;
    const needed = pruning(rigid, on, [], ['assistance'], ['members'])!.needed((c) => `r.${c}`);
    const conditions = needed.split('WHEN true THEN 0 WHEN false THEN 1').length - 1;
    expect(conditions).toBeGreaterThanOrEqual(2);
    // PostgreSQL prints each condition's score as CASE … WHEN CASE_TEST_EXPR THEN 0; a test that
    // compares the sum twice (BETWEEN is planned as two comparisons) prints every one twice, and
    // computes every condition twice for each of the city's 5.5 M households.
    const planned = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (VERBOSE) SELECT r.id FROM (${columnRelation(plan)}) r WHERE ${needed}`))
      .map((r) => r['QUERY PLAN']).join('\n');
    expect(planned.split('CASE_TEST_EXPR THEN 0').length - 1).toBe(conditions);
  });

  // A pruning on deferred fields (the relation vouches for them and joins them only for the rows
  // that need them), with a policy's lists as the row's own (a household's members), or on the
  // row's own conditions alone (a run that counts its rows elsewhere).
  const modes = [
    { name: 'a pruning on a deferred field', lists: false, alone: false, seed: 200 },
    { name: "with its lists as the row's own, a pruning on a deferred field", lists: true, alone: false, seed: 300 },
    { name: 'a pruning on its own conditions alone', lists: false, alone: true, seed: 400 },
  ];
  for (const mode of modes) {
    for (const policy of policies) {
      it(`${policy.id}: every row ${mode.name} leaves out is decided not eligible without an error`, async () => {
        let left = 0;
        let kept = 0;
        let planned = 0;
        for (const [k, on] of interestingDates(policy).entries()) {
          const plan = columnPlan(policy, on);
          // without lists as the row's own, a run prunes on the lists
          if (!plan || (plan.lists.length > 0) !== mode.lists) continue;
          const own = mode.lists ? plan.lists.map((l) => l.name) : [];
          const deferrable = mode.alone ? [undefined] : plan.fields.filter((x) => !x.optional && x.ty.k === 'string' && x.ty.enum && !x.ty.date);
          for (const f of deferrable) {
            const prune = pruning(policy, on, [], f ? [f.name] : [], own, mode.alone);
            if (!prune) continue;
            planned++;
            // A deferred field is vouched for by the relation (present, valid): the full relation
            // is restricted to the rows where it is so.
            const enumValues = (f?.ty.k === 'string' ? f.ty.enum ?? [] : []).map(quote).join(', ');
            const vouched = f ? `SELECT r.* FROM (${columnRelation(plan)}) r WHERE r.${f.col} IN (${enumValues})` : columnRelation(plan);
            const full = compileToSql(policy, on, { inputRelation: vouched, columns: plan });
            // (An own list's aggregates are columns of the relation, as the fields are.)
            const needed = `SELECT r.id FROM (${vouched}) r WHERE ${prune.needed((c) => `r.${c}`)}`;
            await fc.assert(
              fc.asyncProperty(fc.array(inputArbitrary(policy, on), { minLength: BATCH, maxLength: BATCH }), async (inputs) => {
                const rows = await runBatch(db, TABLE, inputs, full);
                const keep = new Set((await db.query<{ id: number }>(needed)).map((r) => Number(r.id)));
                for (const row of rows) {
                  if (row.eligible === true || row.error !== null) {
                    kept++;
                    if (!keep.has(Number(row.id))) {
                      throw new Error(`${policy.id} on ${on}, ${mode.name} (${f?.name ?? '-'}), input ${JSON.stringify(inputs[Number(row.id)])}: left out, but decided ${JSON.stringify(row)}`);
                    }
                  } else if (!keep.has(Number(row.id))) left++;
                }
              }),
              { numRuns: RUNS_PER_DATE, seed: SEED + mode.seed + k },
            );
          }
        }
        if (planned === 0) return; // nothing to prune this way for this policy
        // Not vacuous: rows were left out, and rows were kept.
        expect(left).toBeGreaterThan(0);
        expect(kept).toBeGreaterThan(0);
      }, Math.max(60_000, RUNS_PER_DATE * 5_000));
    }
  }

  for (const policy of policies) {
    it(`${policy.id}: a pruned relation keeps exactly the eligible and error rows of the full one`, async () => {
      let pruned = 0;
      let kept = 0;
      let planned = 0;
      for (const [k, on] of interestingDates(policy).entries()) {
        const plan = columnPlan(policy, on);
        const prune = pruning(policy, on);
        if (!plan || !prune) continue;
        planned++;
        const full = compileToSql(policy, on, { inputRelation: columnRelation(plan), columns: plan });
        const part = compileToSql(policy, on, { inputRelation: columnRelation(plan, prune), columns: plan });
        const listed = plan.lists.map((l) => l.aggregates[0]?.col as string);
        const skipped = `SELECT count(*)::int AS n FROM (${columnRelation(plan)}) f JOIN (${columnRelation(plan, prune)}) s ON s.id = f.id
          WHERE ${listed.map((c) => `(f.${c} IS NOT NULL AND s.${c} IS NULL)`).join(' OR ')}`;
        await fc.assert(
          fc.asyncProperty(fc.array(inputArbitrary(policy, on), { minLength: BATCH, maxLength: BATCH }), async (inputs) => {
            const a = await runBatch(db, TABLE, inputs, full);
            const b = new Map((await db.query<{ id: number }>(`${part} ORDER BY id`)).map((r) => [Number(r.id), { ...r, id: Number(r.id) } as (typeof a)[number]]));
            expect(b.size).toBe(a.length);
            for (const row of a) {
              const other = b.get(Number(row.id));
              const keep = row.eligible === true || row.error !== null;
              if (keep) {
                kept++;
                if (JSON.stringify(other) !== JSON.stringify(row)) {
                  throw new Error(`${policy.id} on ${on}, input ${JSON.stringify(inputs[Number(row.id)])}: pruned ${JSON.stringify(other)} != full ${JSON.stringify(row)}`);
                }
              } else if (other?.eligible !== false || other.error !== null) {
                throw new Error(`${policy.id} on ${on}, input ${JSON.stringify(inputs[Number(row.id)])}: pruned ${JSON.stringify(other)} is kept, full ${JSON.stringify(row)} is not`);
              }
            }
            pruned += ((await db.query<{ n: number }>(skipped))[0] as { n: number }).n;
          }),
          { numRuns: RUNS_PER_DATE, seed: SEED + 100 + k },
        );
      }
      if (planned === 0) return; // nothing to prune for this policy
      // The property is not vacuous: rows were decided without their lists, and rows were kept.
      expect(pruned).toBeGreaterThan(0);
      expect(kept).toBeGreaterThan(0);
    }, Math.max(60_000, RUNS_PER_DATE * 5_000));
  }
});
