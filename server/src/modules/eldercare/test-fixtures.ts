/** Test fixtures: a grid with a worker, an enrolled elder with relatives and devices, a roster. */
import { makeCitizenId } from '@minsheng/contracts';
import type { Db } from '../../platform/db.ts';
import { systemScope } from '../../platform/auth/scope.ts';
import { createPerson } from '../registry/service.ts';
import { enrol } from './elders.ts';
import { registerDevice } from './devices.ts';
import type { DeviceInput } from './schemas.ts';

export const COMMUNITY = '120101001001';
export const OTHER_COMMUNITY = '120103001001';
export const GRID = '120101001001-EC1';
let seq = 700;

export async function seedPlace(db: Db): Promise<void> {
  await db.query(`INSERT INTO grid (id, community_code, kind, name) VALUES ($1, $2, 'general', '养老守护网格') ON CONFLICT DO NOTHING`, [GRID, COMMUNITY]);
  const [w] = await db.query('SELECT 1 FROM grid_worker WHERE grid_id = $1', [GRID]);
  if (!w) await db.query(`INSERT INTO grid_worker (grid_id, name, phone) VALUES ($1, '张网格', '13600000001')`, [GRID]);
  const [r] = await db.query('SELECT 1 FROM eldercare_roster WHERE community_code = $1', [COMMUNITY]);
  if (!r) {
    await db.query(`INSERT INTO eldercare_roster (community_code, kind, name, phone, priority, created_by) VALUES
      ($1, 'volunteer', '李志愿', '13700000001', 1, 'test'), ($1, 'social-organisation', '和平区乐龄社工服务中心', '02227000000', 1, 'test')`, [COMMUNITY]);
  }
}

export interface SeededElder { personId: number; devices: Record<string, string> }

/** An enrolled elder with two relatives and one device of each kind (ids prefixed). */
/** `birthDate` (default 1944-03-15): citizen IDs repeat after 500 elders of one birth date (the bench seeds more). */
export async function seedElder(db: Db, opts: { prefix: string; community?: string; bedBound?: boolean; relatives?: number; birthDate?: string } = { prefix: 'E' }): Promise<SeededElder> {
  await seedPlace(db);
  seq += 2;
  const community = opts.community ?? COMMUNITY;
  const file = await createPerson(db, systemScope(), {
    name: '王秀英', citizenId: makeCitizenId('120101', opts.birthDate ?? '1944-03-15', seq, 'F'), residenceCommunity: community,
    ...(community === COMMUNITY ? { gridId: GRID } : {}), phone: '13812345678', livingArrangement: 'alone',
  }, { name: 'test' }, 'test fixture');
  const relatives = [{ priority: 1, name: '王小明', relation: '儿子', phone: '13800000001' }, { priority: 2, name: '王小红', relation: '女儿', phone: '13800000002' }]
    .slice(0, opts.relatives ?? 2);
  await enrol(db, systemScope(), {
    personId: file.id, reason: '测试登记', consent: { by: '本人', at: '2026-01-10T09:00:00+08:00', method: 'signed-paper' },
    riskTier: 'high', bedBound: opts.bedBound ?? false, healthNotes: '高血压', contacts: relatives, ruleParams: {},
  }, 'test');
  const devices: Record<string, string> = {};
  const base: Omit<DeviceInput, 'id' | 'kind' | 'room' | 'serial'> = { personId: file.id, vendor: 'acme', installedAt: '2026-01-10T10:00:00+08:00', installedBy: '安装员' };
  for (const [kind, room, mounting, height] of [['call-button', 'worn', 'worn', undefined], ['presence', 'living-room', 'wall', 2.2], ['fall-radar', 'bathroom', 'ceiling', 2.5], ['door', 'entrance', 'door', undefined]] as const) {
    const id = `${opts.prefix}-${kind}`;
    await registerDevice(db, systemScope(), { ...base, id, kind, room, mounting, ...(height ? { mountingHeightM: height } : {}), serial: id });
    devices[kind] = id;
  }
  return { personId: file.id, devices };
}

export const event = (id: string, type: string, at: string, value?: unknown): string => JSON.stringify({ id, type, at, ...(value === undefined ? {} : { value }) });
