/** Staff shapes of the projects API (the public ones come from @minsheng/contracts). */
import type { PlanInfo, TaskDetail, TaskStatus, TaskSummary } from '@minsheng/contracts';

export interface StaffTask extends TaskSummary { pending: number; returned: number }
export interface StaffTaskList { year: number; plan: PlanInfo; department: string | null; items: StaffTask[] }

export interface StaffEvidence { id: number; kind: string; title: string; url: string | null; mime: string | null; bytes: number | null; figures: Record<string, number> | null }
export interface StaffReport {
  id: number; taskId: number; taskCode: string; taskTitle: string; department: string; status: TaskStatus; progress: number | null; note: string;
  figures: Record<string, number>; milestonesDone: number[]; reporter: string; reportedAt: string; example: boolean;
  state: 'submitted' | 'returned' | 'published'; review: { decision: string; comment: string; reviewer: string; office: string; at: string } | null;
  evidence: StaffEvidence[];
}
export interface StaffTaskDetail extends TaskDetail { reports: StaffReport[] }

export interface StaffSuggestion {
  id: number; receipt: string; title: string; body: string; topic: string; status: string; regionName: string | null; submittedAt: string;
  anonymous: boolean; contactName: string | null; contactPhone: string | null; mergedInto: number | null; response: string | null;
  links: Array<{ kind: string; id: number }>;
}

export interface StaffComplaint {
  id: number; category: string; regionCode: string; regionName: string; place: string; description: string; contactName: string | null; contactPhone: string | null;
  office: string; status: 'received' | 'in-progress' | 'answered' | 'closed'; submittedAt: string; dueAt: string | null; overdue: boolean; workOrderId: number | null;
  events?: Array<{ kind: string; label: string; note: string | null; score: number | null; actor: string; office: string | null; at: string; public: boolean }>;
}

export const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;
