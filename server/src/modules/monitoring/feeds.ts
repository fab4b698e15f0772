/**
 * Feed types (大数据比对): what each department sends, as a versioned schema. Every feed row has a
 * citizen ID (or, when the sender lacks it, name + birth date + region for a reviewed match), one
 * date (the event the row records) and typed fields. The column specs reuse the registry import's
 * header matching (Chinese or English names, loosely compared); the zod schema is the contract of
 * the stored `data`.
 */
import { z } from 'zod';
import type { ColumnSpec } from '../imports/headers.ts';
import * as f from '../imports/fields.ts';

export const FeedType = ['medical', 'disability', 'unemployment', 'death', 'real-estate', 'vehicle', 'business', 'contribution'] as const;
export type FeedType = (typeof FeedType)[number];

const col = (field: string, label: string, required: boolean, ...aliases: string[]): ColumnSpec =>
  ({ field, label, required, aliases: [label, field, ...aliases] });

/** Columns every feed may carry: identity for matching. */
const IDENTITY: ColumnSpec[] = [
  col('citizenId', '公民身份号码', false, '身份证号', '身份证号码', '证件号码', '身份证', 'citizen id', 'id number'),
  col('name', '姓名', false, 'full name'),
  col('birthDate', '出生日期', false, 'date of birth', 'birthday'),
  col('regionCode', '居住社区代码', false, '社区代码', '区划代码', '行政区划代码', 'region', 'community code', 'residence community'),
];

const money = (v: string): number | f.Problem => {
  const s = f.compact(v).replace(/[,，]/g, '').replace(/元$/, '');
  if (!/^-?\d+(\.\d{1,2})?$/.test(s)) return new f.Problem(`"${v.trim()}" is not an amount in yuan (e.g. 1234.50)`);
  const n = Number(s);
  return n < 0 ? new f.Problem(`"${v.trim()}" is negative`) : n;
};
const positiveNumber = (v: string): number | f.Problem => {
  const s = f.compact(v).replace(/[,，]/g, '').replace(/(㎡|平方米|平米)$/, '');
  if (!/^\d+(\.\d+)?$/.test(s)) return new f.Problem(`"${v.trim()}" is not a number`);
  return Number(s);
};
const wholeNumber = (v: string): number | f.Problem => {
  const s = f.compact(v).replace(/套$/, '');
  return /^\d{1,4}$/.test(s) ? Number(s) : new f.Problem(`"${v.trim()}" is not a whole number`);
};
const enumOf = <T extends string>(values: Record<string, T>, hint: string) => (v: string): T | f.Problem =>
  values[f.compact(v).toLowerCase()] ?? values[v.trim()] ?? new f.Problem(`"${v.trim()}" is not one of ${hint}`);

export interface FieldDef {
  spec: ColumnSpec;
  parse: (raw: string, excelSerials: boolean) => unknown;
  /** A date field that may not lie after the import day. */
  notFuture?: boolean;
}

export interface FeedDefinition {
  type: FeedType;
  version: number;
  label: string;
  /** The department that usually sends it (the default for a batch). */
  department: string;
  fields: FieldDef[];
  /** The field holding the row's event date. */
  dateField: string;
  /** The stored record, validated once more after parsing (the schema is the contract). */
  schema: z.ZodType;
}

const date = (field: string, label: string, ...aliases: string[]): FieldDef =>
  ({ spec: col(field, label, true, ...aliases), parse: (v, ex) => f.date(v, ex), notFuture: true });
const req = (field: string, label: string, parse: FieldDef['parse'], ...aliases: string[]): FieldDef => ({ spec: col(field, label, true, ...aliases), parse });
const opt = (field: string, label: string, parse: FieldDef['parse'], ...aliases: string[]): FieldDef => ({ spec: col(field, label, false, ...aliases), parse });

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const Amount = z.number().nonnegative();

const DISABILITY_STATUS = { issued: 'issued', 发证: 'issued', 新办: 'issued', 换证: 'issued', 有效: 'issued', revoked: 'revoked', 注销: 'revoked', 收回: 'revoked' } as const;
const UNEMPLOYMENT_KIND = { registered: 'registered', 登记: 'registered', 失业登记: 'registered', ended: 'ended', 注销: 'ended', 就业: 'ended', 再就业: 'ended' } as const;
const VALUE_BAND = {
  'under-50k': 'under-50k', '5万以下': 'under-50k', '5万元以下': 'under-50k',
  '50k-100k': '50k-100k', '5-10万': '50k-100k', '5万-10万': '50k-100k', '5-10万元': '50k-100k',
  '100k-200k': '100k-200k', '10-20万': '100k-200k', '10万-20万': '100k-200k', '10-20万元': '100k-200k',
  'over-200k': 'over-200k', '20万以上': 'over-200k', '20万元以上': 'over-200k',
} as const;
const BUSINESS_ROLE = {
  'legal-representative': 'legal-representative', 法定代表人: 'legal-representative', 法人: 'legal-representative',
  shareholder: 'shareholder', 股东: 'shareholder', 出资人: 'shareholder',
  'sole-proprietor': 'sole-proprietor', 个体工商户: 'sole-proprietor', 经营者: 'sole-proprietor',
} as const;
const SCHEME = { 'social-insurance': 'social-insurance', 社保: 'social-insurance', 社会保险: 'social-insurance', 'provident-fund': 'provident-fund', 公积金: 'provident-fund', 住房公积金: 'provident-fund' } as const;
const HINT = (o: object): string => [...new Set(Object.keys(o))].join(' ');

/** A contribution period 2026-04 (or 202604, 2026年4月) as the first day of the month. */
const month = (v: string, ex: boolean): string | f.Problem => {
  const s = f.compact(v);
  const m = /^(\d{4})[-/.年]?(\d{1,2})月?$/.exec(s);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return `${m[1]}-${m[2]!.padStart(2, '0')}-01`;
  return f.date(v, ex);
};

export const FEEDS: Record<FeedType, FeedDefinition> = {
  medical: {
    type: 'medical', version: 1, label: '医保结算', department: '市医疗保障局', dateField: 'date',
    fields: [
      date('date', '结算日期', '就诊日期', 'settlement date', 'date'),
      req('total', '医疗总费用', money, '总费用', '费用总额', 'total'),
      req('outOfPocket', '个人自付', money, '个人自付金额', '个人负担', '自付金额', 'out of pocket', 'out-of-pocket'),
      opt('hospital', '医疗机构', (v) => f.limitedText(v, 100, 'the hospital'), '医院', '定点医疗机构', 'hospital'),
    ],
    schema: z.object({ date: IsoDate, total: Amount, outOfPocket: Amount, hospital: z.string().nullable() })
      .refine((d) => d.outOfPocket <= d.total, { message: 'outOfPocket: the out-of-pocket amount is more than the total', path: ['outOfPocket'] }),
  },
  disability: {
    type: 'disability', version: 1, label: '残疾人证', department: '市残疾人联合会', dateField: 'date',
    fields: [
      req('category', '残疾类别', f.disabilityCategory, 'category'),
      req('grade', '残疾等级', f.disabilityGrade, 'grade'),
      req('status', '证件状态', enumOf(DISABILITY_STATUS, HINT(DISABILITY_STATUS)), '状态', '发证/注销', 'status'),
      date('date', '发证日期', '办证日期', '变更日期', 'date', 'issued on'),
    ],
    schema: z.object({ category: z.string(), grade: z.number().int().min(1).max(4), status: z.enum(['issued', 'revoked']), date: IsoDate }),
  },
  unemployment: {
    type: 'unemployment', version: 1, label: '失业登记', department: '市人力资源和社会保障局', dateField: 'date',
    fields: [
      date('date', '登记日期', '失业登记日期', 'registration date', 'date'),
      opt('kind', '登记类型', enumOf(UNEMPLOYMENT_KIND, HINT(UNEMPLOYMENT_KIND)), '类型', 'kind'),
    ],
    schema: z.object({ date: IsoDate, kind: z.enum(['registered', 'ended']) }),
  },
  death: {
    type: 'death', version: 1, label: '死亡信息', department: '市公安局/卫生健康委', dateField: 'date',
    fields: [date('date', '死亡日期', '死亡时间', 'date of death', 'date')],
    schema: z.object({ date: IsoDate }),
  },
  'real-estate': {
    type: 'real-estate', version: 1, label: '不动产登记', department: '市规划和自然资源局', dateField: 'date',
    fields: [
      req('count', '房产套数', wholeNumber, '套数', 'count'),
      opt('area', '建筑面积', positiveNumber, '面积', 'area'),
      date('date', '交易日期', '登记日期', 'transaction date', 'date'),
    ],
    schema: z.object({ count: z.number().int().min(0), area: z.number().nonnegative().nullable(), date: IsoDate }),
  },
  vehicle: {
    type: 'vehicle', version: 1, label: '机动车登记', department: '市公安局交通管理局', dateField: 'date',
    fields: [
      date('date', '注册登记日期', '登记日期', 'registration date', 'date'),
      req('valueBand', '车辆价值区间', enumOf(VALUE_BAND, HINT(VALUE_BAND)), '价值区间', 'value band'),
    ],
    schema: z.object({ date: IsoDate, valueBand: z.enum(['under-50k', '50k-100k', '100k-200k', 'over-200k']) }),
  },
  business: {
    type: 'business', version: 1, label: '市场主体登记', department: '市市场监督管理委员会', dateField: 'date',
    fields: [
      req('role', '登记身份', enumOf(BUSINESS_ROLE, HINT(BUSINESS_ROLE)), '身份', '角色', 'role'),
      req('capital', '注册资本', money, '注册资本（元）', 'capital'),
      date('date', '成立日期', '登记日期', 'established', 'date'),
    ],
    schema: z.object({ role: z.enum(['legal-representative', 'shareholder', 'sole-proprietor']), capital: Amount, date: IsoDate }),
  },
  contribution: {
    type: 'contribution', version: 1, label: '社保/公积金缴费基数', department: '市人力资源和社会保障局', dateField: 'date',
    fields: [
      req('scheme', '险种', enumOf(SCHEME, HINT(SCHEME)), '缴费类型', 'scheme'),
      req('base', '缴费基数', money, '月缴费基数', 'base'),
      { spec: col('date', '所属期', true, '缴费月份', '所属月份', 'period', 'date'), parse: month, notFuture: true },
    ],
    schema: z.object({ scheme: z.enum(['social-insurance', 'provident-fund']), base: Amount, date: IsoDate }),
  },
};

/** All column specs of a feed type: the identity columns, then its own. */
const SPECS = new Map<FeedType, ColumnSpec[]>();
export function columnsOf(type: FeedType): readonly ColumnSpec[] {
  let s = SPECS.get(type);
  if (!s) { s = [...IDENTITY, ...FEEDS[type].fields.map((d) => d.spec)]; SPECS.set(type, s); }
  return s;
}

export const isFeedType = (v: unknown): v is FeedType => typeof v === 'string' && (FeedType as readonly string[]).includes(v);
