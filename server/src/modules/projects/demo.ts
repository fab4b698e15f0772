/**
 * Demo mode: loads the 2026 plan from the data files on first start, plus a few progress reports
 * marked as examples (example = true, "演示数据", never official figures) with a generated photo,
 * so the portal and console have published evidence and a report waiting for review.
 */
import { deflateSync } from 'node:zlib';
import type { Db } from '../../platform/db.ts';
import type { StaffPrincipal } from '../../platform/auth/sessions.ts';
import { ensurePlan } from './plan.ts';
import { reviewReport, storeUpload, submitReport } from './reporting.ts';

export const DEMO_PLAN_YEAR = 2026;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A small real PNG (a sky-and-ground picture in the given colours): stands in for a site photo. */
export function demoPng(width = 160, height = 120, sky: [number, number, number] = [120, 170, 220], ground: [number, number, number] = [90, 150, 90]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width; x += 1) {
      const c = y < height * 0.6 ? sky : ground;
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw[o] = c[0]; raw[o + 1] = c[1]; raw[o + 2] = c[2];
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const demoStaff = (office: string): StaffPrincipal => ({ userId: 0, username: 'demo', displayName: '演示', office, bindings: [], csrfToken: '', tokenHash: '' });

interface DemoReport { task: string; figures: Record<string, number>; note: string; milestones?: number; photo?: string; publish: boolean }
const REPORTS: DemoReport[] = [
  { task: 'elder-guard', figures: { elders: 4870 }, milestones: 2, photo: '上门安装防跌倒雷达与一键呼叫设备', publish: true,
    note: '【演示数据】已为困难独居老年人建立“一人一档”，完成设备配置4870户，异常报警与工单派发体系试运行。' },
  { task: 'parking-spaces', figures: { spaces: 3920 }, photo: '桥下空间新建公共停车场', publish: true, note: '【演示数据】已利用边角地块和桥下空间建成泊位3920个。' },
  { task: 'pocket-parks', figures: { parks: 41 }, photo: '新建口袋公园开放', publish: true, note: '【演示数据】已建成口袋公园41个。' },
  { task: 'gas-pipes', figures: { km: 168 }, publish: true, note: '【演示数据】已更新改造燃气老旧管道168公里。' },
  { task: 'old-lifts', figures: { lifts: 712 }, photo: '老旧电梯更新完成验收', publish: true, note: '【演示数据】已更新住宅老旧电梯712部。' },
  { task: 'old-lifts', figures: { lifts: 805 }, publish: false, note: '【演示数据】本月新增完成93部，累计805部，待市民心工程办公室审核。' },
];

/** Loads the plan year (if absent) and, once, the example reports. */
export async function ensureDemoProjects(db: Db): Promise<void> {
  await ensurePlan(db, DEMO_PLAN_YEAR);
  const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM project_update');
  if ((row?.n ?? 0) > 0) return;
  const office = demoStaff('天津市民心工程办公室（演示）');
  for (const [i, r] of REPORTS.entries()) {
    const [task] = await db.query<{ id: number; lead_department: string; ms: number[] | null }>(
      `SELECT t.id, t.lead_department, (SELECT array_agg(m.id ORDER BY m.seq) FROM project_milestone m WHERE m.task_id = t.id) AS ms
       FROM project_task t WHERE t.plan_year = $1 AND t.code = $2`, [DEMO_PLAN_YEAR, r.task]);
    if (!task) continue;
    const reporter = demoStaff('演示填报员');
    const uploads = r.photo ? [{ uploadId: (await storeUpload(db, reporter, task.lead_department, demoPng(160, 120, [110 + i * 20, 160, 220 - i * 15]), false, r.photo)).uploadId, title: r.photo }] : [];
    const { id } = await submitReport(db, reporter, task.lead_department, task.id, {
      status: 'in-progress', note: r.note, figures: r.figures, links: [], uploads, milestonesDone: (task.ms ?? []).slice(0, r.milestones ?? 0), clientKey: `demo-${i}`,
    }, { example: true });
    if (r.publish) await reviewReport(db, office, id, { decision: 'approve', comment: '【演示】材料齐全，同意发布。' });
  }
}
