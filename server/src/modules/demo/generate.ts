/**
 * The demo city: a pure, seeded generator of grids, grid workers, households with members and
 * cross-household relations, spread over the real communities of the city. Same communities,
 * seed, size and reference date give the same records, byte for byte, on any machine.
 *
 * It streams: `generateCity` yields one community at a time, so memory stays flat for a full
 * 13.6 M city. Only small running state is kept (age-band counts, ID sequence counters, a
 * bounded pool of adults who can be the children of elders living alone elsewhere).
 */
import { makeCitizenId, type DisabilityCategory, type FinanceItem, type GridKind, type MemberRelation } from '@minsheng/contracts';
import { InitialsCache, pickGivenName, pickSurname } from './names.ts';
import { hash32, Rng, Weighted } from './rng.ts';

/** The reference date ages are counted on: fixed, so the demo city is the same whenever built. */
export const DEMO_AS_OF = '2026-07-01';
/** Monthly per-capita income below which a household counts as low-income here (CNY). */
export const LOW_INCOME_LINE = 1000;
export const DEMO_ACTOR = 'demo';
export const DEMO_REASON = 'demo city';

export interface DemoCommunity {
  code: string; name: string; streetCode: string; streetName: string; districtCode: string; districtName: string;
}
export interface DemoGrid { id: string; communityCode: string; kind: GridKind; name: string; parentGridId: string | null }
export interface DemoGridWorker { gridId: string; name: string; phone: string }
export interface DemoPerson {
  id: number; citizenId: string; name: string; nameInitials: string; sex: 'M' | 'F'; birthDate: string;
  phone: string | null; hukouRegion: string; residenceCommunity: string; gridId: string;
  disabilityCategory: DisabilityCategory | null; disabilityGrade: number | null;
  abilityLevel: 'intact' | 'mild' | 'moderate' | 'severe' | 'complete' | null;
  livingArrangement: 'alone' | 'with-spouse' | 'with-children' | 'with-others' | 'institution' | null;
  finance: FinanceItem[]; householdId: number; householdRelation: MemberRelation;
  /** Age on the reference date (not stored). */
  age: number;
}
export interface DemoHousehold {
  id: number; householdNo: string; address: string; residenceCommunity: string; gridId: string;
  headPersonId: number; lowIncome: boolean; members: DemoPerson[];
}
export interface DemoRelation { personId: number; relatedPersonId: number; kind: 'child' | 'supporter'; duty: 'elder' | null }
export interface CommunityBatch { community: DemoCommunity; households: DemoHousehold[]; relations: DemoRelation[] }

export interface CityPlan {
  communities: readonly DemoCommunity[];
  /** Persons per community, same order; sums to the requested size. */
  quotas: number[];
  grids: DemoGrid[];
  workers: DemoGridWorker[];
  /** Micro grid ids per community (residents are placed in these). */
  microGrids: string[][];
}

export interface DemoOptions {
  persons: number;
  seed: number;
  /** Reference date 'YYYY-MM-DD' for ages (default DEMO_AS_OF). */
  asOf?: string;
  firstPersonId?: number;
  firstHouseholdId?: number;
}

export interface DemoStats {
  persons: number; households: number; relations: number;
  aged60Plus: number; aged80Plus: number; children0to14: number;
  livingAlone: number; livingAloneWithChildElsewhere: number;
  disabled: number; lowIncomePersons: number; lowIncomeHouseholds: number;
  householdSizes: number[];
}

// ---------------------------------------------------------------------------------------------
// Where people live

/** Resident population per district of Tianjin (6-digit code), thousands (7th census, 2020). */
const TIANJIN_DISTRICT_POP: Readonly<Record<string, number>> = {
  '120101': 355, '120102': 858, '120103': 822, '120104': 890, '120105': 647, '120106': 483,
  '120110': 857, '120111': 1195, '120112': 928, '120113': 909, '120114': 1151, '120115': 723,
  '120116': 2067, '120117': 395, '120118': 787, '120119': 796,
};
/** Grid counts of Hexi district (河西区) at full city size, the calibration for every community. */
const HEXI = { code: '120103', general: 1441, micro: 14_000, dedicated: 682 } as const;
export const REFERENCE_PERSONS = 13_600_000;
const TOTAL_POP = Object.values(TIANJIN_DISTRICT_POP).reduce((a, b) => a + b, 0);
const HEXI_PERSONS = REFERENCE_PERSONS * (TIANJIN_DISTRICT_POP[HEXI.code] ?? 0) / TOTAL_POP;
/** Grids per person: one general grid per ~560 residents, a micro grid per ~58, a dedicated grid per ~1,180. */
const GRID_RATE = { general: HEXI.general / HEXI_PERSONS, micro: HEXI.micro / HEXI_PERSONS, dedicated: HEXI.dedicated / HEXI_PERSONS };

/** 12-digit codes: 10th digit 0/1 居委会 (urban), 2/3 村委会 (village), 4+ virtual. */
const isUrban = (code: string): boolean => code[9] === '0' || code[9] === '1';
const isVillage = (code: string): boolean => code[9] === '2' || code[9] === '3';

export function shortCommunityName(name: string): string {
  return name.replace(/[（(][^）)]*[）)]$/, '').replace(/(居民委员会|村民委员会|居委会|村委会|委员会)$/, '') || name;
}

/** Places of household registration outside the city (county codes) and weights; mostly Hebei. */
const OTHER_PLACES = new Weighted<string>([
  ['130102', 5], ['130104', 4], ['130202', 5], ['130203', 4], ['130302', 3], ['130602', 4], ['130606', 3],
  ['130902', 6], ['130921', 5], ['130982', 4], ['131002', 5], ['131003', 4], ['131082', 3], ['131102', 4],
  ['130402', 3], ['130502', 2], ['130681', 3], ['130984', 4], ['131022', 3], ['131025', 5], ['370102', 2],
  ['370602', 1], ['371402', 3], ['410105', 2], ['140105', 2], ['150102', 2], ['230102', 2], ['210102', 2],
  ['340102', 2], ['110105', 2], ['110108', 2], ['320102', 1], ['220102', 1], ['610113', 1], ['420111', 1], ['510107', 1],
]);

const DEDICATED_KINDS = ['学校', '医院', '农贸市场', '商业综合体', '养老机构', '产业园区', '交通场站'] as const;

const MOBILE_PREFIXES = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '150', '151', '152', '153', '155', '156',
  '157', '158', '159', '166', '173', '175', '176', '177', '178', '180', '181', '182', '183', '184', '185', '186',
  '187', '188', '189', '191', '193', '195', '198', '199',
] as const;
export function mobile(rng: Rng): string {
  return rng.pick(MOBILE_PREFIXES) + String(rng.int(100_000_000)).padStart(8, '0');
}

/** Community weights: district population spread over its communities (urban ≫ village), with a stable jitter. */
function communityWeights(communities: readonly DemoCommunity[], seed: number): number[] {
  const raw = communities.map((c) => (isUrban(c.code) ? 4 : isVillage(c.code) ? 1 : 0.5) * (0.6 + 0.8 * (hash32(c.code, seed) / 4294967296)));
  const pop = (c: DemoCommunity): number | undefined => TIANJIN_DISTRICT_POP[c.districtCode.slice(0, 6)];
  const known = communities.every((c) => pop(c) !== undefined);
  if (!known) return raw;
  const perDistrict = new Map<string, number>();
  communities.forEach((c, i) => perDistrict.set(c.districtCode, (perDistrict.get(c.districtCode) ?? 0) + (raw[i] ?? 0)));
  return communities.map((c, i) => (pop(c) ?? 0) * (raw[i] ?? 0) / (perDistrict.get(c.districtCode) ?? 1));
}

/** Two digits at least, so grid ids sort in order and one id is never another's prefix by accident. */
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Rounds a running total so the parts add up to the rounded whole. */
class CumulativeRound {
  private sum = 0;
  private given = 0;
  next(x: number): number {
    this.sum += x;
    const total = Math.round(this.sum);
    const part = total - this.given;
    this.given = total;
    return part;
  }
}

/** Person quotas per community and the grids with their workers. */
export function planCity(communitiesIn: readonly DemoCommunity[], opts: DemoOptions): CityPlan {
  const communities = [...communitiesIn].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  if (communities.length === 0) throw new Error('no communities loaded: the demo city needs the region table');
  const rng = new Rng((opts.seed ^ 0x51ed270b) >>> 0);
  const weights = communityWeights(communities, opts.seed);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const persons = new CumulativeRound();
  const quotas = weights.map((w) => persons.next(opts.persons * w / totalWeight));

  const roundG = new CumulativeRound(), roundM = new CumulativeRound(), roundD = new CumulativeRound();
  const counts = communities.map((_, i) => {
    const q = quotas[i] ?? 0;
    const general = Math.max(1, roundG.next(q * GRID_RATE.general));
    return { general, micro: Math.max(general, roundM.next(q * GRID_RATE.micro)), dedicated: roundD.next(q * GRID_RATE.dedicated) };
  });
  // Every street has at least one dedicated grid (a school, a hospital or a market), in its largest community.
  for (let i = 0; i < communities.length;) {
    let j = i, dedicated = 0, largest = i;
    while (j < communities.length && communities[j]?.streetCode === communities[i]?.streetCode) {
      dedicated += counts[j]?.dedicated ?? 0;
      if ((quotas[j] ?? 0) > (quotas[largest] ?? 0)) largest = j;
      j++;
    }
    const c = counts[largest];
    if (dedicated === 0 && c) c.dedicated = 1;
    i = j;
  }

  const grids: DemoGrid[] = [];
  const workers: DemoGridWorker[] = [];
  const microGrids: string[][] = [];
  const worker = (gridId: string): void => {
    const sex = rng.chance(0.6) ? 'F' : 'M';
    const birthYear = Number(opts.asOf?.slice(0, 4) ?? DEMO_AS_OF.slice(0, 4)) - rng.range(25, 55);
    workers.push({ gridId, name: pickSurname(rng) + pickGivenName(rng, sex, birthYear), phone: mobile(rng) });
  };
  communities.forEach((c, i) => {
    const n = counts[i] ?? { general: 1, micro: 1, dedicated: 0 };
    const short = shortCommunityName(c.name);
    const micro: string[] = [];
    for (let g = 0; g < n.general; g++) {
      const gid = `${c.code}-G${pad2(g + 1)}`;
      grids.push({ id: gid, communityCode: c.code, kind: 'general', name: `${short}第${g + 1}全科网格`, parentGridId: null });
      worker(gid);
      if (rng.chance(0.35)) worker(gid);
      const m = Math.floor(n.micro / n.general) + (g < n.micro % n.general ? 1 : 0);
      for (let k = 0; k < m; k++) {
        const mid = `${gid}-M${pad2(k + 1)}`;
        grids.push({ id: mid, communityCode: c.code, kind: 'micro', name: `${short}第${g + 1}网格第${k + 1}微网格`, parentGridId: gid });
        worker(mid);
        micro.push(mid);
      }
    }
    for (let d = 0; d < n.dedicated; d++) {
      const did = `${c.code}-D${pad2(d + 1)}`;
      grids.push({ id: did, communityCode: c.code, kind: 'dedicated', name: `${short}第${d + 1}专属网格（${rng.pick(DEDICATED_KINDS)}）`, parentGridId: null });
      worker(did);
    }
    microGrids.push(micro);
  });
  return { communities, quotas, grids, workers, microGrids };
}

// ---------------------------------------------------------------------------------------------
// Who lives there

/** Target age pyramid, 5-year bands 0-4 … 100-104, per 10,000 (≈26 % aged 60+, ≈0.7 % aged 90+). */
const AGE_BANDS = [280, 380, 450, 420, 470, 620, 840, 880, 760, 720, 780, 800, 780, 620, 500, 320, 200, 110, 50, 16, 4] as const;
const MAX_AGE = AGE_BANDS.length * 5 - 1;
const AGE_TARGET = AGE_BANDS.map((w) => w / 10_000);
/** Lookahead of the age-band controller: larger follows the pyramid more loosely. */
const AGE_MARGIN = 200;
const ELDER_SHARE = 0.26;
const LOW_INCOME_SHARE = 0.013;

type HouseholdType =
  | 'elderAlone' | 'single' | 'elderCouple' | 'couple' | 'singleParent' | 'elderWithChild' | 'withGrandparent' | 'siblings'
  | 'couple1' | 'elderCoupleChild' | 'singleParent2' | 'coupleOther' | 'couple2' | 'coupleChildParent'
  | 'couple1Parents2' | 'couple2Parent' | 'elder3gen' | 'couple2Parents2' | 'elder3gen2';

/** Household types: size, weight per ~1,000 households, whether the household is built around elders. */
const HOUSEHOLD_TYPES: ReadonlyArray<{ type: HouseholdType; size: number; weight: number; elder: boolean }> = [
  { type: 'elderAlone', size: 1, weight: 100, elder: true },
  { type: 'single', size: 1, weight: 150, elder: false },
  { type: 'elderCouple', size: 2, weight: 132, elder: true },
  { type: 'couple', size: 2, weight: 110, elder: false },
  { type: 'singleParent', size: 2, weight: 50, elder: false },
  { type: 'elderWithChild', size: 2, weight: 33, elder: true },
  { type: 'withGrandparent', size: 2, weight: 5, elder: false },
  { type: 'siblings', size: 2, weight: 5, elder: false },
  { type: 'couple1', size: 3, weight: 200, elder: false },
  { type: 'elderCoupleChild', size: 3, weight: 24, elder: true },
  { type: 'singleParent2', size: 3, weight: 12, elder: false },
  { type: 'coupleOther', size: 3, weight: 4, elder: false },
  { type: 'couple2', size: 4, weight: 50, elder: false },
  { type: 'coupleChildParent', size: 4, weight: 50, elder: false },
  { type: 'couple1Parents2', size: 5, weight: 25, elder: false },
  { type: 'couple2Parent', size: 5, weight: 15, elder: false },
  { type: 'elder3gen', size: 5, weight: 10, elder: true },
  { type: 'couple2Parents2', size: 6, weight: 15, elder: false },
  { type: 'elder3gen2', size: 6, weight: 15, elder: true },
];

const DISABILITY = new Weighted<DisabilityCategory>([
  ['physical', 290], ['hearing', 240], ['multiple', 170], ['visual', 140], ['mental', 70], ['intellectual', 70], ['speech', 20],
]);
const DISABILITY_GRADE = new Weighted<number>([[1, 120], [2, 180], [3, 250], [4, 450]]);
type Ability = NonNullable<DemoPerson['abilityLevel']>;
const ABILITY_60 = new Weighted<Ability>([['intact', 880], ['mild', 70], ['moderate', 30], ['severe', 15], ['complete', 5]]);
const ABILITY_70 = new Weighted<Ability>([['intact', 780], ['mild', 120], ['moderate', 60], ['severe', 30], ['complete', 10]]);
const ABILITY_80 = new Weighted<Ability>([['intact', 550], ['mild', 200], ['moderate', 120], ['severe', 80], ['complete', 50]]);

interface Member { rel: MemberRelation; age: number; sex: 'M' | 'F'; surname: string }

const DAY_MS = 86_400_000;

function parseDate(date: string): { y: number; m: number; d: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new Error(`expected a date YYYY-MM-DD, got "${date}"`);
  return { y: Number(match[1]), m: Number(match[2]), d: Number(match[3]) };
}

/** Builds one household's members: relations, ages (through the pyramid controller), sexes, surnames. */
class Family {
  readonly out: Member[] = [];
  constructor(private readonly rng: Rng, readonly age: (lo: number, hi: number) => number) {}

  sexOf(pMale: number): 'M' | 'F' { return this.rng.chance(pMale) ? 'M' : 'F'; }
  add(rel: MemberRelation, age: number, sex: 'M' | 'F', surname: string): Member {
    const m = { rel, age, sex, surname };
    this.out.push(m);
    return m;
  }
  head(lo: number, hi: number, pMale: number): Member { return this.add('head', this.age(lo, hi), this.sexOf(pMale), pickSurname(this.rng)); }
  spouse(h: Member, minAge = 20): Member {
    return this.add('spouse', this.age(Math.max(minAge, h.age - 6), h.age + 6), h.sex === 'M' ? 'F' : 'M', pickSurname(this.rng));
  }
  /** The surname the head's children take: the father's. */
  familyName(): string {
    const h = this.out[0], s = this.out[1];
    if (!h) return pickSurname(this.rng);
    return h.sex === 'F' && s?.rel === 'spouse' ? s.surname : h.surname;
  }
  child(parentAge: number, lo: number, hi: number, rel: MemberRelation = 'child', surname = this.familyName()): Member {
    return this.add(rel, this.age(Math.max(0, lo), Math.min(parentAge - 20, hi)), this.sexOf(0.514), surname);
  }
  /** A grown-up child living with an elder head. */
  adultChild(h: Member, minAge: number, minGap: number, pMale: number): Member {
    const surname = this.familyName();
    return this.add('child', this.age(Math.max(minAge, h.age - 40), h.age - minGap), this.sexOf(pMale), surname);
  }
  parent(h: Member, sex: 'M' | 'F'): Member {
    return this.add('parent', this.age(h.age + 20, h.age + 40), sex, sex === 'M' ? h.surname : pickSurname(this.rng));
  }
  parents(h: Member): void {
    const father = this.parent(h, 'M');
    this.add('parent', this.age(father.age - 6, father.age + 4), 'F', pickSurname(this.rng));
  }
  /** An adult child, the child's spouse and grandchildren (elder-headed three-generation homes). */
  family3(h: Member, grandchildren: number): void {
    const surname = this.familyName();
    const c = this.add('child', this.age(Math.max(22, h.age - 38), h.age - 22), this.sexOf(0.6), surname);
    const inLaw = this.add('child-in-law', this.age(Math.max(20, c.age - 5), c.age + 5), c.sex === 'M' ? 'F' : 'M', pickSurname(this.rng));
    const line = c.sex === 'M' ? c.surname : inLaw.surname;
    const parentAge = Math.min(c.age, inLaw.age);
    for (let i = 0; i < grandchildren; i++) this.child(parentAge, 0, 25, 'grandchild', line);
  }
}

/** Streams the city community by community. Call once per generation; it keeps running state. */
export class CityGenerator {
  readonly stats: DemoStats = {
    persons: 0, households: 0, relations: 0, aged60Plus: 0, aged80Plus: 0, children0to14: 0,
    livingAlone: 0, livingAloneWithChildElsewhere: 0, disabled: 0, lowIncomePersons: 0, lowIncomeHouseholds: 0,
    householdSizes: [0, 0, 0, 0, 0, 0, 0],
  };
  private readonly rng: Rng;
  private readonly initials = new InitialsCache();
  private readonly ageCounts = new Float64Array(AGE_BANDS.length);
  private readonly bandWeights = new Float64Array(AGE_BANDS.length);
  private ageN = 0;
  /** Persons the communities so far should hold together. */
  private target = 0;
  private nextPersonId: number;
  private nextHouseholdId: number;
  /** Epoch day of the a-th anniversary back from the reference date, a = 0 … MAX_AGE + 1. */
  private readonly anniversary: number[] = [];
  private readonly minDay: number;
  private readonly dateText: string[] = [];
  private readonly idCounters = new Map<string, { counts: Uint16Array; salt: number }>();
  /** Adults by birth year (index from 1900): [personId, street index], a bounded pool. */
  private readonly adultPool: Array<Array<[number, number]>> = [];
  private readonly districtCommunities = new Map<string, number[]>();
  private readonly districtPick: Weighted<string>;
  private readonly streetIndex = new Map<string, number>();
  private readonly periodFrom: string;

  constructor(private readonly plan: CityPlan, private readonly opts: DemoOptions) {
    this.rng = new Rng(opts.seed);
    this.nextPersonId = opts.firstPersonId ?? 1;
    this.nextHouseholdId = opts.firstHouseholdId ?? 1;
    const asOf = parseDate(opts.asOf ?? DEMO_AS_OF);
    for (let a = 0; a <= MAX_AGE + 1; a++) this.anniversary.push(Date.UTC(asOf.y - a, asOf.m - 1, asOf.d) / DAY_MS);
    this.minDay = (this.anniversary[MAX_AGE + 1] ?? 0) - 400;
    this.periodFrom = `${asOf.y}-01-01`;
    plan.communities.forEach((c, i) => {
      const list = this.districtCommunities.get(c.districtCode) ?? [];
      list.push(i);
      this.districtCommunities.set(c.districtCode, list);
      if (!this.streetIndex.has(c.streetCode)) this.streetIndex.set(c.streetCode, this.streetIndex.size);
    });
    this.districtPick = new Weighted([...this.districtCommunities.entries()].map(([d, list]) => [d, TIANJIN_DISTRICT_POP[d.slice(0, 6)] ?? list.length] as const));
  }

  /** All communities in order, one batch each. */
  *communities(): Generator<CommunityBatch> {
    for (let i = 0; i < this.plan.communities.length; i++) yield this.community(i);
  }

  community(ci: number): CommunityBatch {
    const community = this.plan.communities[ci];
    if (!community) throw new Error(`no community ${ci}`);
    const quota = this.plan.quotas[ci] ?? 0;
    const micro = this.plan.microGrids[ci] ?? [];
    const households: DemoHousehold[] = [];
    const relations: DemoRelation[] = [];
    // Communities fill up to their running total; a household never splits, so one that
    // overshoots is made up in the next community, and only the city's very last household is cut to size.
    this.target += quota;
    let produced = 0;
    while (this.stats.persons < this.target) {
      const gridIdx = Math.min(micro.length - 1, Math.floor(produced * micro.length / Math.max(1, quota)));
      const room = Math.min(6, this.opts.persons - this.stats.persons);
      const hh = this.household(community, room, households.length, micro[gridIdx] ?? '', gridIdx, relations);
      households.push(hh);
      produced += hh.members.length;
    }
    return { community, households, relations };
  }

  // --- ages, dates, IDs ---------------------------------------------------------------------

  /** An age in [lo, hi], steering the running totals toward the target pyramid. */
  private age(lo: number, hi: number): number {
    lo = Math.max(0, Math.min(MAX_AGE, lo));
    hi = Math.max(lo, Math.min(MAX_AGE, hi));
    const b0 = Math.floor(lo / 5), b1 = Math.floor(hi / 5);
    let total = 0;
    for (let b = b0; b <= b1; b++) {
      const overlap = (Math.min(hi, b * 5 + 4) - Math.max(lo, b * 5) + 1) / 5;
      const deficit = (AGE_TARGET[b] ?? 0) * (this.ageN + AGE_MARGIN) - (this.ageCounts[b] ?? 0);
      const w = deficit > 0 ? overlap * deficit : 0;
      this.bandWeights[b] = w;
      total += w;
    }
    if (total === 0) {
      for (let b = b0; b <= b1; b++) {
        const w = ((Math.min(hi, b * 5 + 4) - Math.max(lo, b * 5) + 1) / 5) * ((AGE_TARGET[b] ?? 0) + 1e-6);
        this.bandWeights[b] = w;
        total += w;
      }
    }
    let r = this.rng.float() * total;
    let band = b1;
    for (let b = b0; b <= b1; b++) {
      r -= this.bandWeights[b] ?? 0;
      if (r < 0) { band = b; break; }
    }
    this.ageCounts[band] = (this.ageCounts[band] ?? 0) + 1;
    this.ageN++;
    return this.rng.range(Math.max(lo, band * 5), Math.min(hi, band * 5 + 4));
  }

  private dateOf(day: number): string {
    const i = day - this.minDay;
    let s = this.dateText[i];
    if (s === undefined) {
      const dt = new Date(day * DAY_MS);
      s = `${dt.getUTCFullYear()}-${pad2(dt.getUTCMonth() + 1)}-${pad2(dt.getUTCDate())}`;
      this.dateText[i] = s;
    }
    return s;
  }

  /** A birth day (epoch day) for someone of `age` on the reference date. */
  private birthDay(age: number): number {
    const newest = this.anniversary[age] ?? 0, oldest = (this.anniversary[age + 1] ?? 0) + 1;
    return oldest + this.rng.int(newest - oldest + 1);
  }

  /** A unique, valid citizen ID: the sequence comes from a counter per (address, birth date, sex). */
  private citizenId(addressCode: string, day: number, sex: 'M' | 'F'): { id: string; day: number } {
    let entry = this.idCounters.get(addressCode);
    if (!entry) {
      entry = { counts: new Uint16Array(((this.anniversary[0] ?? 0) - this.minDay + 1) * 2), salt: hash32(addressCode, this.opts.seed) };
      this.idCounters.set(addressCode, entry);
    }
    const counters = entry.counts;
    const bit = sex === 'M' ? 1 : 0;
    // 500 sequences per address, date and sex, taken in a scrambled but one-to-one order;
    // when a day is full, move one day earlier.
    for (;; day--) {
      const slot = (day - this.minDay) * 2 + bit;
      const k = counters[slot] ?? 500;
      if (k < 500) {
        counters[slot] = k + 1;
        const start = (Math.imul(slot ^ entry.salt, 0x9e3779b1) >>> 0) % 500;
        const seq = ((k * 191 + start) % 500) * 2 + bit;
        return { id: makeCitizenId(addressCode, this.dateOf(day), seq, sex), day };
      }
      if (day <= this.minDay) throw new Error(`citizen ID sequences exhausted for ${addressCode}`);
    }
  }

  // --- households -----------------------------------------------------------------------------

  private pickType(room: number): (typeof HOUSEHOLD_TYPES)[number] {
    const elderShare = this.stats.persons > 50 ? this.stats.aged60Plus / this.stats.persons : ELDER_SHARE;
    const elderFactor = elderShare < ELDER_SHARE ? 1.35 : 0.75;
    let total = 0;
    for (const t of HOUSEHOLD_TYPES) if (t.size <= room) total += t.weight * (t.elder ? elderFactor : 1);
    let r = this.rng.float() * total;
    let chosen = HOUSEHOLD_TYPES[1];
    for (const t of HOUSEHOLD_TYPES) {
      if (t.size > room) continue;
      r -= t.weight * (t.elder ? elderFactor : 1);
      if (r < 0) { chosen = t; break; }
    }
    if (!chosen) throw new Error('no household type');
    return chosen;
  }

  private members(type: HouseholdType): Member[] {
    const f = new Family(this.rng, (lo, hi) => this.age(lo, hi));
    const rng = this.rng;
    switch (type) {
      case 'elderAlone': f.head(60, MAX_AGE, 0.38); break;
      case 'single': f.head(18, 59, 0.56); break;
      case 'elderCouple': f.spouse(f.head(60, 98, 0.85), 52); break;
      case 'couple': { const h = f.head(22, 59, 0.75); f.spouse(h); break; }
      case 'singleParent': { const h = f.head(25, 59, 0.3); f.child(h.age, 0, 30); break; }
      case 'elderWithChild': { const h = f.head(60, 100, 0.35); f.adultChild(h, 18, 20, 0.5); break; }
      case 'withGrandparent': {
        const h = f.head(20, 40, 0.5);
        f.add('grandparent', f.age(Math.max(h.age + 40, 62), MAX_AGE), f.sexOf(0.3), rng.chance(0.5) ? h.surname : pickSurname(rng));
        break;
      }
      case 'siblings': { const h = f.head(18, 70, 0.5); f.add('sibling', f.age(Math.max(18, h.age - 10), h.age + 10), f.sexOf(0.5), h.surname); break; }
      case 'couple1': { const h = f.head(24, 62, 0.75); f.spouse(h); f.child(h.age, 0, 32); break; }
      case 'elderCoupleChild': { const h = f.head(60, 90, 0.85); f.spouse(h, 52); f.adultChild(h, 18, 22, 0.55); break; }
      case 'singleParent2': { const h = f.head(28, 59, 0.3); f.child(h.age, 0, 30); f.child(h.age, 0, 30); break; }
      case 'coupleOther': { const h = f.head(30, 70, 0.75); f.spouse(h); f.add('other', f.age(25, 60), 'F', pickSurname(rng)); break; }
      case 'couple2': { const h = f.head(28, 59, 0.75); f.spouse(h); f.child(h.age, 0, 30); f.child(h.age, 0, 30); break; }
      case 'coupleChildParent': { const h = f.head(26, 58, 0.7); f.spouse(h); f.child(h.age, 0, 30); f.parent(h, f.sexOf(0.35)); break; }
      case 'couple1Parents2': { const h = f.head(26, 55, 0.7); f.spouse(h); f.child(h.age, 0, 30); f.parents(h); break; }
      case 'couple2Parent': { const h = f.head(28, 55, 0.7); f.spouse(h); f.child(h.age, 0, 30); f.child(h.age, 0, 30); f.parent(h, f.sexOf(0.35)); break; }
      case 'elder3gen': { const h = f.head(55, 90, 0.85); f.spouse(h, 45); f.family3(h, 1); break; }
      case 'couple2Parents2': { const h = f.head(28, 55, 0.7); f.spouse(h); f.child(h.age, 0, 30); f.child(h.age, 0, 30); f.parents(h); break; }
      case 'elder3gen2': { const h = f.head(55, 90, 0.85); f.spouse(h, 45); f.family3(h, 2); break; }
    }
    return f.out;
  }

  /** Household registration: mostly where they live, some elsewhere in the city, a few in other provinces. */
  private hukou(community: DemoCommunity): string {
    const r = this.rng.float();
    if (r < 0.80) return community.code;
    if (r < 0.87) return this.communityIn(community.districtCode) ?? community.code;
    if (r < 0.95) return this.communityIn(this.districtPick.pick(this.rng)) ?? community.code;
    return `${OTHER_PLACES.pick(this.rng)}000000`;
  }

  private communityIn(district: string): string | undefined {
    const list = this.districtCommunities.get(district);
    if (!list || list.length === 0) return undefined;
    return this.plan.communities[this.rng.pick(list)]?.code;
  }

  private income(category: string, amount: number): FinanceItem {
    return { kind: 'income', category, amount, periodFrom: this.periodFrom, periodTo: null, note: 'monthly' };
  }

  /** An income item for a member, or none (children, students, some adults without income). */
  private incomeOf(age: number, urban: boolean): FinanceItem | null {
    const rng = this.rng;
    if (age < 18) return null;
    if (age < 23) return rng.chance(0.3) ? this.income('wage', 1800 + rng.int(23) * 100) : null;
    if (age < 60) {
      if (!rng.chance(0.85)) return null;
      if (!urban) return this.income(rng.chance(0.45) ? 'farming' : 'wage', 1500 + rng.int(25) * 100 + rng.int(20) * 100);
      const high = rng.chance(0.1) ? rng.int(80) * 100 : 0;
      return this.income('wage', 2400 + rng.int(30) * 100 + rng.int(30) * 100 + high);
    }
    return urban ? this.income('pension', 2600 + rng.int(25) * 100 + rng.int(10) * 100) : this.income('pension', 300 + rng.int(60) * 10);
  }

  private household(
    community: DemoCommunity, room: number, seqInCommunity: number, gridId: string, gridIdx: number,
    relations: DemoRelation[],
  ): DemoHousehold {
    const rng = this.rng;
    const type = this.pickType(room);
    const specs = this.members(type.type);
    const urban = !isVillage(community.code);
    const householdId = this.nextHouseholdId++;
    const hukou = this.hukou(community);
    const hasChildren = specs.some((m) => m.rel === 'child');
    const hasGrandchildren = specs.some((m) => m.rel === 'grandchild');
    const onlyCouple = specs.length === 2 && specs[1]?.rel === 'spouse';
    const streetIdx = this.streetIndex.get(community.streetCode) ?? 0;

    const members: DemoPerson[] = [];
    const names = new Set<string>();
    for (const m of specs) {
      const day0 = this.birthDay(m.age);
      const birthYear = new Date(day0 * DAY_MS).getUTCFullYear();
      const personHukou = m.rel === 'spouse' && rng.chance(0.1)
        ? (rng.chance(0.6) ? this.communityIn(this.districtPick.pick(rng)) ?? hukou : `${OTHER_PLACES.pick(rng)}000000`)
        : hukou;
      const { id: citizenId, day } = this.citizenId(personHukou.slice(0, 6), day0, m.sex);
      let name = m.surname + pickGivenName(rng, m.sex, birthYear);
      for (let i = 0; i < 3 && names.has(name); i++) name = m.surname + pickGivenName(rng, m.sex, birthYear);
      names.add(name);

      const age = m.age;
      const pDisabled = age < 15 ? 0.015 : age < 60 ? 0.045 : age < 80 ? 0.10 : 0.22;
      const disabled = rng.chance(pDisabled);
      const ability: Ability | null = age < 60 ? null : (age < 70 ? ABILITY_60 : age < 80 ? ABILITY_70 : ABILITY_80).pick(rng);
      let living: DemoPerson['livingArrangement'] = null;
      if (age >= 18) {
        if (specs.length === 1) living = age >= 75 && (ability === 'severe' || ability === 'complete') && rng.chance(0.4) ? 'institution' : 'alone';
        else if (m.rel === 'head' || m.rel === 'spouse') living = hasChildren ? 'with-children' : onlyCouple ? 'with-spouse' : 'with-others';
        else if (m.rel === 'parent' || m.rel === 'grandparent') living = 'with-children';
        else if (m.rel === 'child' || m.rel === 'child-in-law') living = hasGrandchildren ? 'with-children' : 'with-others';
        else living = 'with-others';
      }
      const phoneP = age >= 18 ? (age < 80 ? 0.93 : 0.6) : age >= 14 ? 0.5 : 0;
      const item = this.incomeOf(age, urban);
      members.push({
        id: this.nextPersonId++, citizenId, name, nameInitials: this.initials.of(name), sex: m.sex,
        birthDate: this.dateOf(day), phone: phoneP > 0 && rng.chance(phoneP) ? mobile(rng) : null,
        hukouRegion: personHukou, residenceCommunity: community.code, gridId,
        disabilityCategory: disabled ? DISABILITY.pick(rng) : null, disabilityGrade: disabled ? DISABILITY_GRADE.pick(rng) : null,
        abilityLevel: ability, livingArrangement: living, finance: item ? [item] : [],
        householdId, householdRelation: m.rel, age,
      });
    }
    const head = members[0];
    if (!head) throw new Error('household without members');

    // Low income: more likely with a disabled member, an elder alone, a single parent or in a village;
    // a simple controller keeps the share of persons near the target.
    let score = 1;
    if (members.some((p) => p.disabilityCategory !== null)) score *= 3;
    if (type.type === 'elderAlone') score *= 2;
    if (type.type === 'singleParent' || type.type === 'singleParent2') score *= 2.5;
    if (!urban) score *= 1.5;
    const behind = this.stats.lowIncomePersons < LOW_INCOME_SHARE * (this.stats.persons + members.length);
    const lowIncome = rng.chance(Math.min(0.5, 0.011 * score * (behind ? 1.8 : 0.3)));
    this.settleIncome(members, lowIncome);

    // Elders living alone: many have a child registered in another street; some name them as supporter.
    if (type.type === 'elderAlone' && head.livingArrangement === 'alone' && rng.chance(0.6)) {
      const found = this.takeAdult(Number(head.birthDate.slice(0, 4)) + rng.range(22, 36), rng.chance(0.8) ? streetIdx : -1);
      if (found) {
        relations.push({ personId: head.id, relatedPersonId: found[0], kind: 'child', duty: null });
        this.stats.relations++;
        if (rng.chance(0.5)) {
          relations.push({ personId: head.id, relatedPersonId: found[0], kind: 'supporter', duty: 'elder' });
          this.stats.relations++;
        }
        if (found[1] !== streetIdx) this.stats.livingAloneWithChildElsewhere++;
      }
    }
    for (const p of members) if (p.age >= 20 && p.age <= 70 && rng.chance(0.25)) this.offerAdult(p, streetIdx);

    const s = this.stats;
    s.households++;
    s.householdSizes[members.length] = (s.householdSizes[members.length] ?? 0) + 1;
    for (const p of members) {
      s.persons++;
      if (p.age >= 60) s.aged60Plus++;
      if (p.age >= 80) s.aged80Plus++;
      if (p.age < 15) s.children0to14++;
      if (p.disabilityCategory) s.disabled++;
      if (p.age >= 60 && p.livingArrangement === 'alone') s.livingAlone++;
    }
    if (lowIncome) { s.lowIncomeHouseholds++; s.lowIncomePersons += members.length; }

    const short = shortCommunityName(community.name);
    const detail = isVillage(community.code)
      ? `${seqInCommunity + 1}号`
      : `${gridIdx + 1}号楼${rng.range(1, 4)}门${rng.range(1, 18)}0${rng.range(1, 4)}`;
    return {
      id: householdId, householdNo: `D${community.code}${String(seqInCommunity + 1).padStart(5, '0')}`,
      address: `天津市${community.districtName}${community.streetName}${short}${detail}`,
      residenceCommunity: community.code, gridId, headPersonId: head.id, lowIncome, members,
    };
  }

  /**
   * Makes the household's monthly per-capita income clear of the line: below LOW_INCOME_LINE for
   * low-income households, at least 1,200 CNY for the others (so the line alone tells them apart).
   */
  private settleIncome(members: DemoPerson[], lowIncome: boolean): void {
    const rng = this.rng;
    const head = members[0];
    if (!head) return;
    const size = members.length;
    const total = (): number => members.reduce((sum, p) => sum + p.finance.reduce((a, f) => a + f.amount, 0), 0);
    const headCategory = head.age >= 60 ? 'pension' : 'wage';
    if (lowIncome) {
      const target = (350 + rng.int(60) * 10) * size;
      for (const p of members) p.finance = [];
      const second = members.find((p, i) => i > 0 && p.age >= 18 && p.age < 70);
      const headShare = second ? Math.floor(target * 0.7 / 10) * 10 : target;
      head.finance = [this.income(head.age >= 60 ? 'pension' : 'flexible-work', headShare)];
      if (second && target - headShare > 0) second.finance = [this.income(second.age >= 60 ? 'pension' : 'flexible-work', target - headShare)];
      return;
    }
    const short = 1200 * size - total();
    if (short > 0) {
      const extra = Math.ceil(short / 10) * 10 + rng.int(60) * 10;
      const item = head.finance[0];
      if (item) item.amount += extra;
      else head.finance = [this.income(headCategory, extra)];
    }
  }

  private offerAdult(p: DemoPerson, streetIdx: number): void {
    const yi = Number(p.birthDate.slice(0, 4)) - 1900;
    if (yi < 0) return;
    let pool = this.adultPool[yi];
    if (!pool) { pool = []; this.adultPool[yi] = pool; }
    if (pool.length < 64) pool.push([p.id, streetIdx]);
    else pool[this.rng.int(64)] = [p.id, streetIdx];
  }

  /** Takes an adult born around `year` from the pool, from another street than `notStreet` (-1: any). */
  private takeAdult(year: number, notStreet: number): [number, number] | undefined {
    for (const dy of [0, 1, -1, 2, -2, 3, -3]) {
      const pool = this.adultPool[year + dy - 1900];
      if (!pool || pool.length === 0) continue;
      const start = this.rng.int(pool.length);
      for (let k = 0; k < pool.length; k++) {
        const i = (start + k) % pool.length;
        const entry = pool[i];
        if (!entry || entry[1] === notStreet) continue;
        const last = pool.pop();
        if (last && i < pool.length) pool[i] = last;
        return entry;
      }
    }
    return undefined;
  }
}
