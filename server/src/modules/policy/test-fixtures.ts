/**
 * Tests only: a temporary policies/ directory laid out like the repository's (tianjin/*.yaml),
 * filled from the rules package's fixtures, plus a small registry written with SQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCitizenId } from '@minsheng/contracts';
import type { Queryable } from '../../platform/db.ts';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../packages/rules/fixtures');

/** tianjin/dibao (household), tianjin/concentrated-care-subsidy (person), tianjin/car-scrappage-subsidy. */
export function policyDir(extra: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minsheng-policies-'));
  fs.mkdirSync(path.join(dir, 'tianjin'));
  fs.mkdirSync(path.join(dir, 'monitoring'));
  fs.copyFileSync(path.join(FIXTURES, 'dibao-tier.yaml'), path.join(dir, 'tianjin/dibao.yaml'));
  fs.copyFileSync(path.join(FIXTURES, 'concentrated-care-subsidy.yaml'), path.join(dir, 'tianjin/concentrated-care-subsidy.yaml'));
  fs.copyFileSync(path.join(FIXTURES, 'car-scrappage-subsidy.yaml'), path.join(dir, 'tianjin/car-scrappage-subsidy.yaml'));
  fs.writeFileSync(path.join(dir, 'monitoring/not-a-policy.yaml'), 'this: is skipped\n');
  for (const [name, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export const COMMUNITY = '120101001001';        // 和平区 劝业场街道
export const OTHER_DISTRICT_COMMUNITY = '120103001001'; // 河西区

let seq = 300;
export interface P {
  birth: string; income?: number; asset?: number; careFee?: number; ability?: string; living?: string;
  hukou?: string; community?: string; relation?: string; deceased?: string;
  disabilityCategory?: string; disabilityGrade?: number;
}

/** Writes households of persons; answers the ids. */
export async function seedRegistry(db: Queryable, households: P[][]): Promise<{ persons: number[]; households: number[] }> {
  const persons: number[] = [];
  const hhs: number[] = [];
  for (const [i, members] of households.entries()) {
    const community = members[0]?.community ?? COMMUNITY;
    const [h] = await db.query<{ id: number }>(
      `INSERT INTO household (household_no, residence_community, change_reason, updated_by) VALUES ($1, $2, 'test', 'test') RETURNING id`,
      [`PT-${seq}-${i}`, community]);
    hhs.push(h!.id);
    for (const [j, m] of members.entries()) {
      seq += 2;
      const finance = [
        ...(m.income !== undefined ? [{ kind: 'income', category: 'pension', amount: m.income, periodFrom: '2020-01-01', periodTo: null, note: 'monthly' }] : []),
        ...(m.asset !== undefined ? [{ kind: 'asset', category: 'deposit', amount: m.asset, periodFrom: '2020-01-01', periodTo: null }] : []),
        ...(m.careFee !== undefined ? [{ kind: 'asset', category: 'care-fee', amount: m.careFee, periodFrom: '2020-01-01', periodTo: null }] : []),
      ];
      const [p] = await db.query<{ id: number }>(
        `INSERT INTO person (citizen_id, name, name_initials, sex, birth_date, hukou_region, residence_community, ability_level, living_arrangement,
           finance, household_id, household_relation, deceased_on, disability_category, disability_grade, change_reason, updated_by)
         VALUES ($1, '测试', 'cs', 'F', $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, 'test', 'test') RETURNING id`,
        [makeCitizenId('120101', m.birth, seq, 'F'), m.birth, m.hukou ?? COMMUNITY, m.community ?? community, m.ability ?? null, m.living ?? null,
          JSON.stringify(finance), h!.id, m.relation ?? (j === 0 ? 'head' : 'spouse'), m.deceased ?? null, m.disabilityCategory ?? null, m.disabilityGrade ?? null]);
      persons.push(p!.id);
    }
  }
  return { persons, households: hhs };
}

/** A relation across households: `related` is the spouse, the child, or a supporter of `person`. */
export async function relate(db: Queryable, person: number, related: number, kind: 'spouse' | 'child' | 'supporter', duty: 'elder' | 'child' | 'mutual' | null = null): Promise<void> {
  await db.query(`INSERT INTO person_relation (person_id, related_person_id, kind, duty, created_by) VALUES ($1, $2, $3, $4, 'test')`, [person, related, kind, duty]);
}
