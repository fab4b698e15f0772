/** Shapes of the monitoring API answers used by the console (server: server/src/modules/monitoring). */
export type Severity = 'high' | 'medium' | 'low';

export interface WarningItem {
  id: number; ruleId: string; severity: Severity; reason: string; onDate: string; raisedAt: string; chainId: number; chainStatus: 'open' | 'closed';
  householdId: number | null; personId: number | null; regionCode: string; regionName: string | null; headName: string | null; householdNo: string | null;
}

export interface RunSummary { id: number; onDate: string; raised: number; suppressed: number; problems: unknown[]; scope: string[] }

export interface Sla { dueAt: string; metAt: string | null; overdue: boolean }
export type ChainKind = 'opened' | 'warning' | 'task' | 'visit' | 'reevaluated' | 'decision' | 'aid' | 'follow-up' | 'note' | 'closed';
export type ChainStage = 'warning' | 'verifying' | 'verified' | 'not-confirmed' | 'reevaluated' | 'decided' | 'aided' | 'following-up' | 'closed';
export interface ChainLink { seq: number; kind: ChainKind; actor: string; at: string; note: string | null; data: Record<string, unknown>; sla?: Sla }

export interface PolicyResult {
  policy: string; title: string; entity: 'person' | 'household'; entityId: number; name: string | null;
  eligible: boolean | null; outcome: string | null; amount: number | null; failed: Array<{ rule: string; reason: string }>; error?: string;
}

export interface ChainView {
  id: number; householdId: number | null; personId: number | null; regionCode: string; regionName: string | null; gridId: string | null; openedAt: string; closedAt: string | null;
  household: { householdNo: string; headName: string | null; address: string | null } | null;
  members: Array<{ personId: number; name: string; relation: string | null }>;
  warnings: Array<{ id: number; ruleId: string; severity: Severity; reason: string; onDate: string; raisedAt: string; evidence: Record<string, unknown> }>;
  tasks: Array<{ id: number; status: string; dueAt: string | null; resolvedAt: string | null; overdue: boolean }>;
  state: { status: 'open' | 'closed'; stage: ChainStage; openTasks: number[]; overdue: boolean; links: ChainLink[] };
}

export interface TaskItem {
  workOrderId: number; status: string; dueAt: string | null; overdue: boolean; title: string; priority: string; chainId: number | null;
  reason: string | null; householdId: number | null; headName: string | null; address: string | null; regionName: string | null; members: number;
}

export interface Dashboard {
  openByDistrict: Array<{ code: string; name: string; open: number; overdue: number }>;
  open: number; overdueTasks: number; closed: number; medianDaysToClose: number | null; bySeverity: Record<string, number>;
}

export interface FeedBatch {
  id: number; feedType: string; department: string; period: string; fileName: string; checksum: string; encoding: string | null; status: 'running' | 'done' | 'failed';
  processed: number; accepted: number; rejected: number; matched: number; inReview: number; unmatched: number; failure: string | null; startedBy: string; startedAt: string;
  errors?: Array<{ row: number; field: string; message: string }>;
}

export interface ReviewItem {
  id: number; status: 'open' | 'confirmed' | 'rejected'; feedType: string; row: number;
  record: { citizenId: string | null; name: string | null; birthDate: string | null; regionCode: string | null; eventDate: string; data: Record<string, unknown> };
  candidates: Array<{ personId: number; name: string; citizenId: string; birthDate: string; residenceCommunity: string | null; communityName: string | null }>;
}

export const FEED_TYPES = ['medical', 'disability', 'unemployment', 'death', 'real-estate', 'vehicle', 'business', 'contribution'] as const;
export const SEVERITY_COLOR: Record<Severity, string> = { high: 'red', medium: 'orange', low: 'blue' };
