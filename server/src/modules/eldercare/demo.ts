/**
 * Demo data for the guard, built with the demo city: elders aged 60+ living alone (花园路社区 first,
 * where the demo grid worker, community worker and call seat can see them), each enrolled with a
 * recorded consent, two relatives, the four devices and a roster of a volunteer and a social
 * organisation per community; one vendor platform for the signed HTTP push. Idempotent: does
 * nothing once any elder is enrolled. Phone numbers are fictitious (138 0000 xxxx).
 */
import type { Db } from '../../platform/db.ts';
import { systemScope } from '../../platform/auth/scope.ts';
import { enrol } from './elders.ts';
import { registerDevice } from './devices.ts';

export const DEMO_VENDOR = { id: 'demo-vendor', name: '演示设备平台', secret: 'minsheng-demo-vendor-secret' };
const HUAYUANLU = '120101001001';
const RELATIVES = [['王', '儿子'], ['李', '女儿'], ['张', '侄子'], ['刘', '外甥女']] as const;

export async function ensureDemoEldercare(db: Db, opts: { elders?: number } = {}): Promise<number> {
  const [any] = await db.query('SELECT 1 FROM eldercare_elder LIMIT 1');
  if (any) return 0;
  const want = opts.elders ?? 20;
  const rows = await db.query<{ id: number; residence_community: string }>(
    `SELECT id, residence_community FROM person
     WHERE living_arrangement = 'alone' AND deceased_on IS NULL AND residence_community IS NOT NULL AND grid_id IS NOT NULL
       AND birth_date <= current_date - interval '60 years'
     ORDER BY residence_community = $1 DESC, residence_community LIKE '120101001%' DESC, id LIMIT $2`, [HUAYUANLU, want]);
  let n = 0;
  for (const [i, p] of rows.entries()) {
    const [a, b] = [RELATIVES[i % RELATIVES.length]!, RELATIVES[(i + 1) % RELATIVES.length]!];
    await enrol(db, systemScope(), {
      personId: p.id, reason: '演示数据：社区摸排的独居老人', consent: { by: '本人', at: new Date(Date.now() - 30 * 86_400_000).toISOString(), method: 'signed-paper' },
      riskTier: (['high', 'medium', 'low'] as const)[i % 3]!, bedBound: i % 7 === 3, healthNotes: ['高血压', '糖尿病', '行动不便', ''][i % 4]!,
      contacts: [
        { priority: 1, name: `${a[0]}家属`, relation: a[1], phone: `1380000${String(2 * i).padStart(4, '0')}` },
        { priority: 2, name: `${b[0]}家属`, relation: b[1], phone: `1380000${String(2 * i + 1).padStart(4, '0')}` },
      ],
      ruleParams: {},
    }, 'demo');
    // Installed now: silence (and inactivity) is counted from the demo's start, not from a made-up past.
    const installedAt = new Date().toISOString();
    const devices = [
      ['call-button', 'worn', 'worn', undefined], ['presence', i % 7 === 3 ? 'bedroom' : 'living-room', 'wall', 2.2],
      ['fall-radar', 'bathroom', 'ceiling', i % 5 === 2 ? 1.6 : 2.6], ['door', 'entrance', 'door', undefined],
    ] as const;
    for (const [kind, room, mounting, height] of devices) {
      const id = `DEMO-${String(p.id).padStart(6, '0')}-${kind}`;
      await registerDevice(db, systemScope(), { id, personId: p.id, kind, vendor: DEMO_VENDOR.id, serial: id, room, mounting,
        ...(height !== undefined ? { mountingHeightM: height } : {}), installedAt, installedBy: '设备安装员 周师傅' });
    }
    n += 1;
  }
  for (const community of [...new Set(rows.map((r) => r.residence_community))]) {
    await db.query(
      `INSERT INTO eldercare_roster (community_code, kind, name, phone, priority, created_by) VALUES
       ($1, 'volunteer', '赵爱民', '13900001001', 1, 'demo'), ($1, 'volunteer', '钱晓燕', '13900001002', 2, 'demo'),
       ($1, 'social-organisation', '乐龄社会工作服务中心', '02223456789', 1, 'demo')`, [community]);
  }
  await db.query(`INSERT INTO eldercare_vendor (id, name, hmac_secret) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [DEMO_VENDOR.id, DEMO_VENDOR.name, DEMO_VENDOR.secret]);
  return n;
}
