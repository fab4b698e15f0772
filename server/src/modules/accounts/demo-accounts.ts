/**
 * Demo accounts, one per role, created only in demo mode (never in production). All share the
 * password documented in README.md.
 */
import type { Db } from '../../platform/db.ts';
import type { Role } from '../../platform/auth/roles.ts';
import { createUser } from './service.ts';
import { findUserByName } from './repo.ts';

export const DEMO_PASSWORD = 'minsheng-demo';
const HEPING = '120101000000';
const QUANYECHANG = '120101001000';
const HUAYUANLU = '120101001001';
const CITY = '120000000000';

interface DemoAccount { username: string; displayName: string; office: string; role: Role; regionCode: string; grid?: boolean }

export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { username: 'admin', displayName: '系统管理员', office: '天津市民政局', role: 'city-admin', regionCode: CITY },
  { username: 'heping.district', displayName: '和平区民政局', office: '和平区民政局', role: 'district-staff', regionCode: HEPING },
  { username: 'quanyechang.street', displayName: '劝业场街道', office: '劝业场街道办事处', role: 'street-staff', regionCode: QUANYECHANG },
  { username: 'huayuanlu.community', displayName: '花园路社区', office: '花园路社区居委会', role: 'community-worker', regionCode: HUAYUANLU },
  { username: 'huayuanlu.grid', displayName: '花园路网格员', office: '花园路社区居委会', role: 'grid-worker', regionCode: HUAYUANLU, grid: true },
  { username: 'callseat', displayName: '24小时坐席', office: '天津市民政局24小时服务中心', role: 'call-seat', regionCode: CITY },
  { username: 'volunteer', displayName: '志愿者', office: '劝业场街道志愿服务队', role: 'responder', regionCode: QUANYECHANG },
  { username: 'auditor', displayName: '审计员', office: '天津市民政局审计室', role: 'auditor', regionCode: CITY },
  { username: 'reporter', displayName: '填报员', office: '天津市住房和城乡建设委员会', role: 'dept-reporter', regionCode: CITY },
];

/** Creates missing demo accounts; returns the usernames created. */
export async function ensureDemoAccounts(db: Db): Promise<string[]> {
  const created: string[] = [];
  for (const a of DEMO_ACCOUNTS) {
    if (await findUserByName(db, a.username)) continue;
    let gridId: string | null = null;
    if (a.grid) {
      const [grid] = await db.query<{ id: string }>(`SELECT id FROM grid WHERE community_code = $1 ORDER BY kind = 'general' DESC, id LIMIT 1`, [a.regionCode]);
      if (!grid) continue; // no grids yet (demo city not generated): created on a later start
      gridId = grid.id;
    }
    await createUser(db, { username: a.username, displayName: a.displayName, office: a.office, password: DEMO_PASSWORD, roles: [{ role: a.role, regionCode: a.regionCode, gridId }] }, 'demo');
    created.push(a.username);
  }
  return created;
}
