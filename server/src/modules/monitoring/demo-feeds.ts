/**
 * Realistic department feeds over the demo city (or any registry): medical settlements (a few
 * low-income households with heavy out-of-pocket bills), deaths among the very old, new
 * disability certificates, unemployment registrations, property, vehicles, businesses and
 * contribution bases, dated over the months before `on`. A few rows per feed come without a
 * citizen ID (name + birth date + community), as some departments send them: they go to the
 * review queue. The medical feed is written in GBK, like the hospital systems export it.
 * Deterministic for a seed and a registry.
 */
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { Queryable } from '../../platform/db.ts';
import { Rng } from '../demo/rng.ts';
import type { FeedType } from './feeds.ts';

interface P { id: number; citizen_id: string; name: string; birth_date: string; community: string | null; household_id: number | null; age: number; income: number; hh_per_capita: number | null }

export interface DemoFeedFile { type: FeedType; file: string; rows: number; encoding: 'UTF-8' | 'GB18030'; period: string }

const quote = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

function daysBefore(on: string, days: number): string {
  return new Date(Date.parse(`${on}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

export async function writeDemoFeeds(db: Queryable, opts: { dir: string; on: string; seed?: number; limit?: number }): Promise<DemoFeedFile[]> {
  const rng = new Rng(opts.seed ?? 20261127);
  // The first `limit` living persons, then the per-capita income of their households only (all
  // members, as before). Computing every person's income and every household's per-capita first
  // and joining them planned a nested loop over the materialized CTE: at 10 M persons it had not
  // finished after 10 minutes.
  const income = (p: string): string =>
    `(SELECT coalesce(sum((f.v->>'amount')::numeric), 0) FROM jsonb_array_elements(${p}.finance) f(v) WHERE f.v->>'kind' = 'income')`;
  const persons = await db.query<P>(
    `WITH sel AS MATERIALIZED (SELECT p.id, p.citizen_id, p.name, p.birth_date, p.residence_community, p.household_id, ${income('p')} AS income
       FROM person p WHERE p.deceased_on IS NULL ORDER BY p.id LIMIT $2),
     hh AS MATERIALIZED (SELECT m.household_id, sum(${income('m')}) / count(*) AS per_capita FROM person m
       WHERE m.household_id IN (SELECT s.household_id FROM sel s WHERE s.household_id IS NOT NULL) GROUP BY m.household_id)
     SELECT p.id, p.citizen_id, p.name, to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date, p.residence_community AS community, p.household_id,
       extract(year from age($1::date, p.birth_date))::int AS age, p.income, hh.per_capita AS hh_per_capita
     FROM sel p LEFT JOIN hh ON hh.household_id = p.household_id ORDER BY p.id`, [opts.on, opts.limit ?? 200_000]);
  fs.mkdirSync(opts.dir, { recursive: true });
  const period = opts.on.slice(0, 7);
  const files: DemoFeedFile[] = [];
  const idCols = ['公民身份号码', '姓名', '出生日期', '居住社区代码'];
  /** Identity cells: usually the ID; now and then only name + birth date + community. */
  const ident = (p: P): string[] => (rng.chance(0.01) && p.community ? ['', p.name, p.birth_date, p.community] : [p.citizen_id, p.name, '', '']);
  const write = (type: FeedType, header: string[], rows: string[][], encoding: DemoFeedFile['encoding'] = 'UTF-8'): void => {
    const text = [header, ...rows].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
    const file = path.join(opts.dir, `${type}-${period}.csv`);
    fs.writeFileSync(file, encoding === 'GB18030' ? iconv.encode(text, 'gb18030') : Buffer.from(text, 'utf8'));
    files.push({ type, file, rows: rows.length, encoding, period });
  };
  const hospitals = ['天津医科大学总医院', '天津市第一中心医院', '天津市人民医院', '天津市胸科医院', '和平区中医医院', '河西区医院', '南开医院'];
  const medical: string[][] = [];
  const heavyHouseholds = new Set<number>();
  for (const p of persons) {
    const poor = p.hh_per_capita !== null && p.hh_per_capita < 1500 && p.household_id !== null;
    if (poor && !heavyHouseholds.has(p.household_id!) && rng.chance(0.04)) {
      // A serious illness: monthly treatment over most of the year, 40–70 % paid out of pocket.
      heavyHouseholds.add(p.household_id!);
      const months = 6 + rng.int(6);
      for (let m = 0; m < months; m++) {
        const total = 3000 + rng.int(40) * 100;
        medical.push([...ident(p), daysBefore(opts.on, 5 + m * 30 + rng.int(10)), String(total), String(Math.round(total * (0.4 + rng.float() * 0.3))), rng.pick(hospitals)]);
      }
    } else if (rng.chance(0.05)) {
      const total = 100 + rng.int(80) * 25;
      medical.push([...ident(p), daysBefore(opts.on, 1 + rng.int(360)), String(total), String(Math.round(total * 0.3)), rng.pick(hospitals)]);
    }
  }
  write('medical', [...idCols, '结算日期', '医疗总费用', '个人自付', '医疗机构'], medical, 'GB18030');
  write('death', [...idCols, '死亡日期'], persons.filter((p) => p.age >= 80 && rng.chance(0.01)).map((p) => [p.citizen_id, p.name, '', '', daysBefore(opts.on, 1 + rng.int(80))]));
  const categories = ['肢体', '视力', '听力', '言语', '智力', '精神'];
  write('disability', [...idCols, '残疾类别', '残疾等级', '证件状态', '发证日期'], persons.filter(() => rng.chance(0.006))
    .map((p) => [...ident(p), rng.pick(categories), `${1 + rng.int(4)}级`, rng.chance(0.9) ? '发证' : '注销', daysBefore(opts.on, 1 + rng.int(80))]));
  write('unemployment', [...idCols, '登记日期', '登记类型'], persons.filter((p) => p.age >= 18 && p.age < 60 && p.income > 0 && rng.chance(0.01))
    .map((p) => [...ident(p), daysBefore(opts.on, 1 + rng.int(80)), '失业登记']));
  write('real-estate', [...idCols, '房产套数', '建筑面积', '交易日期'], persons.filter((p) => p.age >= 25 && rng.chance(0.003))
    .map((p) => [...ident(p), '1', String(45 + rng.int(80)), daysBefore(opts.on, 1 + rng.int(80))]));
  const bands = ['5万以下', '5-10万', '10-20万', '20万以上'];
  write('vehicle', [...idCols, '注册登记日期', '车辆价值区间'], persons.filter((p) => p.age >= 20 && p.age < 75 && rng.chance(0.005))
    .map((p) => [...ident(p), daysBefore(opts.on, 1 + rng.int(80)), rng.pick(bands)]));
  write('business', [...idCols, '登记身份', '注册资本', '成立日期'], persons.filter((p) => p.age >= 20 && p.age < 65 && rng.chance(0.003))
    .map((p) => [...ident(p), rng.pick(['法定代表人', '股东', '个体工商户']), String((1 + rng.int(50)) * 10000), daysBefore(opts.on, 1 + rng.int(80))]));
  write('contribution', [...idCols, '险种', '缴费基数', '所属期'], persons.filter((p) => p.income > 0 && p.age < 60 && rng.chance(0.05))
    .map((p) => [p.citizen_id, p.name, '', '', rng.chance(0.7) ? '社保' : '公积金', String(Math.max(Math.round(p.income), 3000)), daysBefore(opts.on, 20).slice(0, 7)]));
  return files;
}
