/**
 * People's livelihood projects (民心工程) in public: the tracker (plan year → category → project →
 * task), published progress with evidence, suggestions (我为民心工程提建议) and complaints
 * (群众诉求 "一键直达"). These are the shapes of the PUBLIC routes (no sign-in) used by the portal,
 * plus the bodies residents send. Staff shapes live at the end.
 *
 * Everything public is derived from reviewed (published) updates only; unpublished reports are
 * never in these shapes.
 */
import { z } from 'zod';

const regionCode = z.string().regex(/^\d{12}$/, 'expected a 12-digit division code');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const isoTime = z.string(); // ISO-8601 UTC timestamp, e.g. 2026-03-01T08:00:00.000Z
/** 0 … 1 (multiply by 100 for a percentage). */
const fraction = z.number().min(0).max(1);

/** Task status as published: 未开始 / 推进中 / 已完成 / 暂缓. */
export const TaskStatus = ['not-started', 'in-progress', 'completed', 'suspended'] as const;
export type TaskStatus = (typeof TaskStatus)[number];

/** Kinds of evidence behind a status: a photo, a document (PDF), a link, or figures. */
export const EvidenceKind = ['photo', 'document', 'link', 'figures'] as const;
export type EvidenceKind = (typeof EvidenceKind)[number];

export const Department = z.object({
  code: z.string(),            // e.g. 'city-management'
  name: z.string(),            // short name as the press uses it: 市城市管理委
  fullName: z.string(),        // 天津市城市管理委员会
});
export type Department = z.infer<typeof Department>;

export const SourceRef = z.object({
  title: z.string(), url: z.string().nullable(), publisher: z.string().nullable(), date: isoDate.nullable(),
  /** The sentence of the source the figure comes from. */
  quote: z.string().nullable(),
});
export type SourceRef = z.infer<typeof SourceRef>;

/** One quantified target of a task: 5,000 parking spaces, 200 km of gas pipes … */
export const TaskTarget = z.object({
  key: z.string(),             // stable within the task, e.g. 'spaces'
  label: z.string(),           // 新增机动车公共停车泊位
  unit: z.string(),            // 个, 公里, 部, 人 …
  target: z.number(),
  /** "at least" targets (不少于) are marked. */
  atLeast: z.boolean(),
  /** Latest PUBLISHED figure; null until a reviewed update reports one. */
  actual: z.number().nullable(),
});
export type TaskTarget = z.infer<typeof TaskTarget>;

export const TaskFlags = z.object({
  /** Planned end passed and not completed. */
  overdue: z.boolean(),
  /** Progress behind the straight line from planned start to planned end by more than the threshold (data). */
  offTrack: z.boolean(),
  /** No reviewed report published yet (shown instead of judging progress). */
  unreported: z.boolean(),
  /** Progress expected today on that straight line (0…1), for the chart. */
  expectedProgress: fraction,
});
export type TaskFlags = z.infer<typeof TaskFlags>;

export const DistrictRef = z.object({ code: regionCode, name: z.string() });
export type DistrictRef = z.infer<typeof DistrictRef>;

export const TaskSummary = z.object({
  id: z.number().int(),
  code: z.string(),            // e.g. 'T2026-03-06'; stable key used by the import/export file
  title: z.string(),
  categoryCode: z.string(),
  projectId: z.number().int(),
  leadDepartment: Department,
  coLeadDepartments: z.array(Department),
  /** Districts the task covers; empty = city-wide (全市). */
  districts: z.array(DistrictRef),
  targets: z.array(TaskTarget),
  plannedStart: isoDate.nullable(),
  plannedEnd: isoDate.nullable(),
  actualStart: isoDate.nullable(),
  actualEnd: isoDate.nullable(),
  /** Weight of the task inside its project/category/plan progress (explicit, data). */
  weight: z.number(),
  status: z.enum(TaskStatus),
  progress: fraction,
  flags: TaskFlags,
  /** Where the task comes from (the press conference of 2026-01-31). */
  source: SourceRef,
  /** Published updates so far. */
  updateCount: z.number().int(),
  lastPublishedAt: isoTime.nullable(),
});
export type TaskSummary = z.infer<typeof TaskSummary>;

export const ProjectSummary = z.object({
  id: z.number().int(),
  code: z.string(),
  title: z.string(),
  /** true when the seed names the project; false when it is Minsheng's grouping of listed tasks. */
  officialName: z.boolean(),
  categoryCode: z.string(),
  taskCount: z.number().int(),
  progress: fraction,
  flagged: z.number().int(),   // tasks overdue or off track
});
export type ProjectSummary = z.infer<typeof ProjectSummary>;

export const CategoryOverview = z.object({
  code: z.string(),            // 'c1' … 'c4'
  no: z.number().int(),
  title: z.string(),           // 聚焦投资于人，服务“一老一小”
  /** Task count the city announced for this category (11 / 19 / 25 / 11). */
  officialTaskCount: z.number().int(),
  /** Tasks of this category the public sources name and Minsheng lists. */
  listedTaskCount: z.number().int(),
  progress: fraction,
  overdue: z.number().int(),
  offTrack: z.number().int(),
  projects: z.array(ProjectSummary),
});
export type CategoryOverview = z.infer<typeof CategoryOverview>;

export const PlanHeadline = z.object({
  projects: z.number().int(),           // 20
  tasks: z.number().int(),              // 66
  leadDepartments: z.number().int(),    // 19
  suggestionsCollected: z.number().int(), // 1,402
  source: SourceRef,
});
export type PlanHeadline = z.infer<typeof PlanHeadline>;

export const PlanInfo = z.object({
  year: z.number().int(),
  title: z.string(),
  headline: PlanHeadline,
  /** How many of the announced tasks are listed here (the rest are not invented). */
  listedTasks: z.number().int(),
  listedProjects: z.number().int(),
  listedDepartments: z.number().int(),
  /** Honest note on coverage, Chinese. */
  coverageNote: z.string(),
  coverageNoteEn: z.string(),
});
export type PlanInfo = z.infer<typeof PlanInfo>;

export const DistrictOverview = z.object({
  code: z.string(),            // 12-digit district code, or 'citywide'
  name: z.string(),
  taskCount: z.number().int(),
  progress: fraction,
});
export type DistrictOverview = z.infer<typeof DistrictOverview>;

export const DepartmentOverview = Department.extend({ taskCount: z.number().int(), progress: fraction, flagged: z.number().int() });
export type DepartmentOverview = z.infer<typeof DepartmentOverview>;

/** GET /api/public/tracker[?year=2026] */
export const TrackerOverview = z.object({
  plan: PlanInfo,
  progress: fraction,
  taskCounts: z.object({ listed: z.number().int(), completed: z.number().int(), overdue: z.number().int(), offTrack: z.number().int() }),
  categories: z.array(CategoryOverview),
  districts: z.array(DistrictOverview),
  departments: z.array(DepartmentOverview),
  lastPublishedAt: isoTime.nullable(),
});
export type TrackerOverview = z.infer<typeof TrackerOverview>;

export const Evidence = z.object({
  id: z.number().int(),
  kind: z.enum(EvidenceKind),
  title: z.string(),
  /** For photos and documents: GET /api/public/evidence/:id (served with its sniffed type). */
  fileUrl: z.string().nullable(),
  /** For links: the outside address (http/https only). */
  url: z.string().nullable(),
  mime: z.string().nullable(),
  bytes: z.number().int().nullable(),
  /** For figures: target key → reported value. */
  figures: z.record(z.string(), z.number()).nullable(),
});
export type Evidence = z.infer<typeof Evidence>;

/** One reviewed, published status of a task (append-only history). */
export const PublishedUpdate = z.object({
  id: z.number().int(),
  taskId: z.number().int(),
  status: z.enum(TaskStatus),
  /** Progress the department reports for the task (0…1), when it gives one. */
  progress: fraction.nullable(),
  note: z.string(),
  /** Figures per target key (actual so far). */
  figures: z.record(z.string(), z.number()),
  /** Who reported: the department and the role, never a person's name. */
  reportedBy: z.object({ department: z.string(), role: z.string() }),
  reportedAt: isoTime,
  publishedAt: isoTime,
  /** Reviewed by the city office (市民心工程办公室), by office not by name. */
  reviewedBy: z.string(),
  evidence: z.array(Evidence),
  /** Demo data, not an official progress report (示例). */
  example: z.boolean(),
});
export type PublishedUpdate = z.infer<typeof PublishedUpdate>;

export const Milestone = z.object({
  id: z.number().int(),
  title: z.string(),
  plannedDate: isoDate.nullable(),
  actualDate: isoDate.nullable(),
  weight: z.number(),
  done: z.boolean(),
});
export type Milestone = z.infer<typeof Milestone>;

export const SuggestionLink = z.object({ id: z.number().int(), title: z.string(), status: z.string() });

/** GET /api/public/tasks/:id */
export const TaskDetail = TaskSummary.extend({
  project: z.object({ id: z.number().int(), title: z.string(), officialName: z.boolean() }),
  category: z.object({ code: z.string(), title: z.string() }),
  description: z.string().nullable(),
  milestones: z.array(Milestone),
  /** Published history, newest first. */
  history: z.array(PublishedUpdate),
  /** Adopted suggestions linked to this task or its project. */
  suggestions: z.array(SuggestionLink),
});
export type TaskDetail = z.infer<typeof TaskDetail>;

/** GET /api/public/projects/:id */
export const ProjectDetail = ProjectSummary.extend({
  category: z.object({ code: z.string(), title: z.string() }),
  description: z.string().nullable(),
  tasks: z.array(TaskSummary),
  /** Latest published updates of the project's tasks, newest first (timeline). */
  timeline: z.array(PublishedUpdate.extend({ taskTitle: z.string() })),
  suggestions: z.array(SuggestionLink),
});
export type ProjectDetail = z.infer<typeof ProjectDetail>;

// ---------------------------------------------------------------- suggestions 建议

export const SuggestionTopic = ['elderly-children', 'services', 'infrastructure', 'governance', 'other'] as const;
export type SuggestionTopic = (typeof SuggestionTopic)[number];

/** pending: not yet moderated (never public). rejected: spam/abuse (never public). */
export const SuggestionStatus = ['pending', 'published', 'adopted', 'not-adopted', 'merged', 'rejected'] as const;
export type SuggestionStatus = (typeof SuggestionStatus)[number];
export const PublicSuggestionStatus = ['published', 'adopted', 'not-adopted', 'merged'] as const;

/** POST /api/public/suggestions — rate limited per client. */
export const SuggestionSubmit = z.object({
  title: z.string().trim().min(2).max(80),
  body: z.string().trim().min(5).max(2000),
  topic: z.enum(SuggestionTopic),
  /** District (or any division) the suggestion is about; optional. */
  regionCode: regionCode.nullable().optional(),
  /** Anonymous: no contact kept. Otherwise name and/or phone for a reply (never published). */
  anonymous: z.boolean().default(true),
  contactName: z.string().trim().max(30).nullable().optional(),
  contactPhone: z.string().trim().regex(/^1\d{10}$|^0\d{2,3}-?\d{7,8}$/, 'expected a mobile or landline number').nullable().optional(),
});
export type SuggestionSubmit = z.infer<typeof SuggestionSubmit>;

export const SuggestionReceipt = z.object({
  id: z.number().int(),
  /** Receipt code to quote; status is public once moderated. */
  receipt: z.string(),
  status: z.literal('pending'),
  message: z.string(),
});
export type SuggestionReceipt = z.infer<typeof SuggestionReceipt>;

/** A moderated suggestion as the public sees it: ID numbers and phones redacted (【已隐去】). */
export const PublicSuggestion = z.object({
  id: z.number().int(),
  title: z.string(),
  body: z.string(),
  topic: z.enum(SuggestionTopic),
  status: z.enum(PublicSuggestionStatus),
  regionName: z.string().nullable(),
  submittedAt: isoTime,
  /** Duplicates merged into this one (supporters). */
  mergedCount: z.number().int(),
  mergedInto: z.number().int().nullable(),
  /** Staff's public answer (why adopted / not adopted). */
  response: z.string().nullable(),
  links: z.array(z.object({ kind: z.enum(['project', 'task']), id: z.number().int(), title: z.string() })),
});
export type PublicSuggestion = z.infer<typeof PublicSuggestion>;

/** GET /api/public/suggestions?status=&topic=&limit=&offset= */
export const PublicSuggestionList = z.object({
  counts: z.object({
    received: z.number().int(),          // all received through Minsheng, moderated or not
    byStatus: z.record(z.string(), z.number().int()),  // public statuses only
    byTopic: z.record(z.string(), z.number().int()),
  }),
  /** Collected before the 2026 plan was chosen (1,402), with its source. */
  collectedBeforePlan: z.object({ count: z.number().int(), source: SourceRef }),
  total: z.number().int(),
  items: z.array(PublicSuggestion),
});
export type PublicSuggestionList = z.infer<typeof PublicSuggestionList>;

// ---------------------------------------------------------------- complaints 群众诉求

export const ComplaintCategory = z.object({
  code: z.string(), label: z.string(), labelEn: z.string(),
  /** SLA in working days (official calendar), from data. */
  slaWorkingDays: z.number().int(),
});
export type ComplaintCategory = z.infer<typeof ComplaintCategory>;

/** POST /api/public/complaints — rate limited per client. */
export const ComplaintSubmit = z.object({
  category: z.string().min(1).max(40),
  /** Where: a community (preferred), street or district code. Decides the responsible office. */
  regionCode,
  place: z.string().trim().min(2).max(200),
  description: z.string().trim().min(5).max(2000),
  contactName: z.string().trim().max(30).nullable().optional(),
  contactPhone: z.string().trim().regex(/^1\d{10}$|^0\d{2,3}-?\d{7,8}$/, 'expected a mobile or landline number').nullable().optional(),
});
export type ComplaintSubmit = z.infer<typeof ComplaintSubmit>;

/** The ticket code is random (80 bits), e.g. 'K7QX-9PZ3-HM4D-2RTA': keep it to follow the complaint. */
export const TicketCode = z.string().trim().toUpperCase().regex(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/, 'expected a ticket code like K7QX-9PZ3-HM4D-2RTA');

export const ComplaintReceipt = z.object({
  ticket: z.string(),
  status: z.literal('received'),
  office: z.string(),
  slaWorkingDays: z.number().int(),
  dueAt: isoTime.nullable(),
});
export type ComplaintReceipt = z.infer<typeof ComplaintReceipt>;

export const PublicComplaintStatus = ['received', 'in-progress', 'answered', 'closed'] as const;

/** GET /api/public/complaints/:ticket — no contact data ever. */
export const PublicComplaint = z.object({
  ticket: z.string(),
  category: ComplaintCategory,
  regionName: z.string(),
  place: z.string(),
  description: z.string(),
  status: z.enum(PublicComplaintStatus),
  office: z.string(),
  submittedAt: isoTime,
  dueAt: isoTime.nullable(),
  overdue: z.boolean(),
  timeline: z.array(z.object({ at: isoTime, kind: z.string(), label: z.string(), note: z.string().nullable() })),
  reply: z.object({ text: z.string(), at: isoTime, office: z.string() }).nullable(),
  rating: z.object({ score: z.number().int(), comment: z.string().nullable(), at: isoTime }).nullable(),
  /** True once answered and not yet rated. */
  canRate: z.boolean(),
});
export type PublicComplaint = z.infer<typeof PublicComplaint>;

/** POST /api/public/complaints/:ticket/rating — once, after the reply. */
export const ComplaintRating = z.object({
  score: z.number().int().min(1).max(5),
  comment: z.string().trim().max(500).nullable().optional(),
});
export type ComplaintRating = z.infer<typeof ComplaintRating>;

// ---------------------------------------------------------------- the public routes

/** Every public route of the module (access 'public'); the portal builds against these. */
export const PUBLIC_PROJECT_ROUTES = {
  tracker: 'GET /api/public/tracker',
  project: 'GET /api/public/projects/:id',
  task: 'GET /api/public/tasks/:id',
  evidence: 'GET /api/public/evidence/:id',
  suggestions: 'GET /api/public/suggestions',
  submitSuggestion: 'POST /api/public/suggestions',
  complaintCategories: 'GET /api/public/complaint-categories',
  regions: 'GET /api/public/regions',
  submitComplaint: 'POST /api/public/complaints',
  complaint: 'GET /api/public/complaints/:ticket',
  rateComplaint: 'POST /api/public/complaints/:ticket/rating',
  trackerJson: 'GET /api/public/tracker.json',
  trackerCsv: 'GET /api/public/tracker.csv',
  updatesAtom: 'GET /api/public/updates.atom',
  report: 'GET /api/public/report',
} as const;

// ---------------------------------------------------------------- staff (console) shapes

/** Workflow state of a department's report: only 'published' is public. */
export const UpdateState = ['submitted', 'returned', 'published'] as const;
export type UpdateState = (typeof UpdateState)[number];

/** POST /api/projects/tasks/:id/updates (multipart or JSON): a reporter's progress report. */
export const ProgressReport = z.object({
  status: z.enum(TaskStatus),
  progress: fraction.nullable().optional(),
  note: z.string().trim().min(2).max(2000),
  figures: z.record(z.string(), z.number().finite().nonnegative()).default({}),
  links: z.array(z.object({ title: z.string().trim().min(1).max(100), url: z.string().url().regex(/^https?:\/\//, 'http or https only') })).max(5).default([]),
  actualStart: isoDate.nullable().optional(),
  actualEnd: isoDate.nullable().optional(),
  /** Milestone ids this report marks done. */
  milestonesDone: z.array(z.number().int()).max(50).default([]),
  /** Photos/documents uploaded first with POST /api/projects/uploads (multipart `file`). */
  uploads: z.array(z.object({ uploadId: z.number().int(), title: z.string().trim().min(1).max(100) })).max(10).default([]),
  /** Idempotency: the same key for the same task is stored once. */
  clientKey: z.string().min(8).max(64).optional(),
});
export type ProgressReport = z.infer<typeof ProgressReport>;

export const ReviewDecision = z.object({
  decision: z.enum(['approve', 'return']),
  comment: z.string().trim().max(1000).default(''),
});
export type ReviewDecision = z.infer<typeof ReviewDecision>;
