/**
 * What a task "is now", derived by a pure function from its plan and its PUBLISHED reports (oldest
 * first): status, actual figures, milestones done, progress and the overdue / off-track flags.
 * Unpublished reports never reach this function.
 */
import type { TaskFlags, TaskStatus } from '@minsheng/contracts';
import type { PlanTarget } from './plan-file.ts';

export interface PublishedFacts {
  status: TaskStatus; progress: number | null; figures: Record<string, number>; milestonesDone: number[];
  actualStart: string | null; actualEnd: string | null;
  /** Beijing date the report was filed: the actual start/end when the report gives none. */
  reportedOn?: string;
}

export interface TaskPlanFacts {
  targets: readonly PlanTarget[];
  milestones: ReadonlyArray<{ id: number; weight: number }>;
  plannedStart: string | null; plannedEnd: string | null;
}

export interface TaskState {
  status: TaskStatus; progress: number; actuals: Record<string, number>; milestonesDone: Set<number>;
  actualStart: string | null; actualEnd: string | null; flags: TaskFlags;
}

const clamp01 = (x: number): number => Math.max(0, Math.min(1, x));
const dayMs = (d: string): number => Date.parse(`${d}T00:00:00Z`);

/** The progress expected on `today` on the straight line from planned start to planned end. */
export function expectedProgress(plannedStart: string | null, plannedEnd: string | null, today: string): number {
  if (!plannedEnd) return 0;
  const end = dayMs(plannedEnd) + 86_400_000; // the end day counts in full
  const start = plannedStart ? dayMs(plannedStart) : end;
  const now = dayMs(today);
  if (now >= end) return 1;
  if (now <= start) return 0;
  return clamp01((now - start) / (end - start));
}

export function taskState(plan: TaskPlanFacts, published: readonly PublishedFacts[], today: string, offTrackGap: number): TaskState {
  const actuals: Record<string, number> = {};
  const milestonesDone = new Set<number>();
  let status: TaskStatus = 'not-started';
  let reported: number | null = null;
  let actualStart: string | null = null;
  let actualEnd: string | null = null;
  for (const u of published) {
    status = u.status;
    if (u.progress !== null) reported = u.progress;
    for (const [k, v] of Object.entries(u.figures)) if (plan.targets.some((t) => t.key === k)) actuals[k] = v;
    for (const m of u.milestonesDone) milestonesDone.add(m);
    // Reported dates win; else the first report of work under way starts it and a completion ends it.
    actualStart = u.actualStart ?? actualStart ?? (u.status !== 'not-started' ? u.reportedOn ?? null : null);
    actualEnd = u.actualEnd ?? (u.status === 'completed' ? actualEnd ?? u.reportedOn ?? null : null);
  }
  let progress: number;
  const totalWeight = plan.milestones.reduce((s, m) => s + m.weight, 0);
  if (status === 'completed') progress = 1;
  else if (plan.targets.some((t) => t.key in actuals)) {
    progress = plan.targets.reduce((s, t) => s + (t.target > 0 ? clamp01((actuals[t.key] ?? 0) / t.target) : 0), 0) / plan.targets.length;
  } else if (totalWeight > 0 && milestonesDone.size > 0) {
    progress = plan.milestones.filter((m) => milestonesDone.has(m.id)).reduce((s, m) => s + m.weight, 0) / totalWeight;
  } else progress = reported ?? 0;
  progress = clamp01(progress);
  const expected = expectedProgress(plan.plannedStart, plan.plannedEnd, today);
  const unreported = published.length === 0;
  const done = status === 'completed';
  return {
    status, progress, actuals, milestonesDone, actualStart, actualEnd,
    flags: {
      overdue: !done && plan.plannedEnd !== null && dayMs(today) > dayMs(plan.plannedEnd),
      offTrack: !done && !unreported && status !== 'suspended' && progress < expected - offTrackGap,
      unreported,
      expectedProgress: Math.round(expected * 1000) / 1000,
    },
  };
}

/** Weighted mean of progress (explicit task weights). */
export function weightedProgress(items: ReadonlyArray<{ weight: number; progress: number }>): number {
  const w = items.reduce((s, i) => s + i.weight, 0);
  return w > 0 ? items.reduce((s, i) => s + i.weight * i.progress, 0) / w : 0;
}
