import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteRunner, postgresRunner, postgresUrl, type SqlRunner } from '../testing/db.ts';
import { Decimal } from './decimal.ts';

const d = (s: string): Decimal => Decimal.parse(s) as Decimal;

describe('Decimal', () => {
  it('parses like numeric_in, keeping the written scale', () => {
    expect(d('1.50').toString()).toBe('1.50');
    expect(d('-0.5').toString()).toBe('-0.5');
    expect(d('.5').toString()).toBe('0.5');
    expect(d('1e-7').toString()).toBe('0.0000001');
    expect(d('1.5e-7').toString()).toBe('0.00000015');
    expect(d('1e+21').toString()).toBe('1000000000000000000000');
    expect(d('1.25e1').toString()).toBe('12.5');
    expect(Decimal.parse('abc')).toBeUndefined();
    expect(Decimal.fromNumber(0.1).toString()).toBe('0.1');
  });

  it('divides with PostgreSQL result scales', () => {
    // Values printed by PostgreSQL 15 and PGlite for the same divisions.
    expect(d('1').div(d('3')).toString()).toBe('0.33333333333333333333');
    expect(d('10').div(d('4')).toString()).toBe('2.5000000000000000');
    expect(d('2.00').div(d('3')).toString()).toBe('0.66666666666666666667');
    expect(d('123456789').div(d('7')).toString()).toBe('17636684.142857142857');
    expect(d('0.001').div(d('7')).toString()).toBe('0.00014285714285714286');
    expect(d('1').div(d('0.0003')).toString()).toBe('3333.3333333333333333');
    expect(d('9999').div(d('10000')).toString()).toBe('0.99990000000000000000');
    expect(d('12345.678').div(d('0.9')).toString()).toBe('13717.420000000000');
    expect(() => d('1').div(d('0'))).toThrow('division by zero');
  });

  it('rounds half away from zero, ceil and floor toward their sides', () => {
    expect(d('2.5').round().toString()).toBe('3');
    expect(d('-2.5').round().toString()).toBe('-3');
    expect(d('1.005').round(2).toString()).toBe('1.01');
    expect(d('1.5').round(2).toString()).toBe('1.50');
    expect(d('-1.5').ceil().toString()).toBe('-1');
    expect(d('-1.5').floor().toString()).toBe('-2');
    expect(d('1.0001').ceil().toString()).toBe('2');
    expect(d('-7.9').trunc()).toBe(-7n);
  });

  it('adds and multiplies exactly', () => {
    expect(d('0.1').add(d('0.2')).equals(d('0.3'))).toBe(true);
    expect(d('1234.57').mul(d('0.50')).toString()).toBe('617.2850');
    expect(d('1.5').sub(d('1.50')).toString()).toBe('0.00');
  });
});

const runners: { name: string; open: () => Promise<SqlRunner> }[] = [{ name: 'pglite', open: pgliteRunner }];
const url = postgresUrl();
if (url) runners.push({ name: 'postgres', open: () => postgresRunner(url) });

/** Decimal text with 0..6 decimals and up to 12 digits, sometimes negative or zero. */
const decimalText = fc
  .tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 6 }))
  .map(([u, s]) => new Decimal(u, s).toString());

describe.each(runners)('Decimal == numeric on $name', ({ open }) => {
  let db: SqlRunner;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('agrees on +, -, *, /, round, ceil and floor for random operands', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(decimalText, decimalText), { minLength: 100, maxLength: 100 }), async (pairs) => {
        const rows = await db.query<Record<string, string | null>>(
          `SELECT (a::numeric + b::numeric)::text AS add, (a::numeric - b::numeric)::text AS sub, (a::numeric * b::numeric)::text AS mul,
                  (a::numeric / NULLIF(b::numeric, 0))::text AS div, round(a::numeric, 2)::text AS r2, ceil(a::numeric)::text AS ce, floor(a::numeric)::text AS fl
           FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(a, b, i) ORDER BY i`,
          [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
        );
        pairs.forEach(([as, bs], i) => {
          const a = d(as);
          const b = d(bs);
          expect(rows[i], `${as} and ${bs}`).toEqual({
            add: a.add(b).toString(),
            sub: a.sub(b).toString(),
            mul: a.mul(b).toString(),
            div: b.isZero() ? null : a.div(b).toString(),
            r2: a.round(2).toString(),
            ce: a.ceil().toString(),
            fl: a.floor().toString(),
          });
        });
      }),
      { numRuns: 20, seed: 42 },
    );
  });
});
