/**
 * Console strings of the projects module: Simplified Chinese first; English has the same shape
 * (checked by the type). Only `title` sits in the typed i18next resources: they are at the size
 * where a template-literal key elsewhere makes the compiler give up ("type instantiation is
 * excessively deep"), so the rest is looked up by the projects pages' own `t` (projects/i18n.ts).
 */
const zhText = {
  title: '民心工程',
  noAccess: '您的角色没有民心工程相关权限。',
  tabs: { plan: '计划与进度', mine: '本部门任务', review: '审核发布', suggestions: '群众建议', complaints: '群众诉求' },
  plan: {
    headline: '{{year}}年：{{projects}}项民心工程、{{tasks}}项具体工作、{{depts}}个牵头部门，征集建议{{suggestions}}条',
    listed: '本系统已列出 {{listed}} 项',
    overall: '总体进度',
    export: '导出清单',
    import: '导入清单',
    imported: '导入完成：新增 {{created}}，更新 {{updated}}，未变 {{unchanged}}',
    importFailed: '导入被拒绝（未保存任何内容）',
    publicReport: '打印进展报告',
  },
  task: {
    code: '编号', title: '任务', category: '类别', department: '牵头部门', coLead: '配合部门', districts: '区域', citywide: '全市',
    targets: '量化目标', progress: '进度', status: '状态', flags: '预警', pending: '待审核', returned: '已退回', planned: '计划时间',
    actual: '实际时间', weight: '权重', milestones: '节点', source: '来源', history: '填报记录', report: '填报进展', open: '查看',
    expected: '按计划应达 {{pct}}',
  },
  status: { 'not-started': '未开始', 'in-progress': '推进中', completed: '已完成', suspended: '暂缓' },
  flag: { overdue: '逾期', offTrack: '滞后', unreported: '尚无发布', ok: '正常' },
  state: { submitted: '待审核', returned: '已退回', published: '已发布' },
  form: {
    status: '状态', actualStart: '实际开工（可选）', actualEnd: '实际完成（可选）', progress: '进度（%）', figures: '完成数', note: '进展说明', milestones: '已完成节点', photos: '照片/文件佐证',
    photoHint: 'JPG、PNG、WebP 照片或 PDF，按文件内容校验', links: '链接佐证', linkTitle: '标题', linkUrl: '网址', addLink: '添加链接',
    submit: '提交审核', submitted: '已提交，等待市民心工程办公室审核', evidenceNeeded: '每条状态都需要佐证（照片、文件、链接或数据）',
    uploadFailed: '上传被拒绝',
  },
  review: {
    empty: '没有待审核的填报', approve: '审核通过并发布', return: '退回', comment: '审核意见', commentNeeded: '退回时请写明需要补正的内容',
    approved: '已发布', returnedOk: '已退回', reporter: '填报人', reportedAt: '填报时间', example: '演示数据',
  },
  suggestion: {
    receipt: '回执', title: '标题', body: '内容', topic: '类别', status: '状态', region: '地区', submittedAt: '提交时间', contact: '联系方式',
    anonymous: '匿名', actions: '处理', publish: '公开', reject: '不予公开', adopt: '采纳', notAdopt: '不采纳', merge: '合并到…',
    link: '关联任务', categorise: '改类别', response: '答复', reason: '原因', into: '合并到建议编号', target: '任务', done: '已处理',
    filter: '按状态筛选',
  },
  topic: { 'elderly-children': '一老一小', services: '保障与服务', infrastructure: '设施与安全', governance: '治理与宜居', other: '其他' },
  suggestionStatus: { pending: '待审核', published: '已公开', adopted: '已采纳', 'not-adopted': '未采纳', merged: '已合并', rejected: '不予公开' },
  complaint: {
    category: '类别', place: '地点', description: '诉求内容', contact: '联系人', office: '责任单位', status: '状态', submittedAt: '提交时间',
    due: '办理时限', overdue: '已超时', accept: '接单办理', note: '添加进展', notePublic: '对群众公开', reply: '答复群众', replyText: '答复内容',
    internal: '内部', reveal: '查看完整联系方式', revealReason: '查看原因（将记入审计日志）', timeline: '办理记录', workOrder: '工单', empty: '本辖区暂无诉求',
  },
  complaintStatus: { received: '已受理', 'in-progress': '办理中', answered: '已答复', closed: '已办结' },
};
const enText: typeof zhText = {
  title: "People's livelihood projects",
  noAccess: 'Your roles give no access to the livelihood projects.',
  tabs: { plan: 'Plan and progress', mine: 'My department', review: 'Review', suggestions: 'Suggestions', complaints: 'Complaints' },
  plan: {
    headline: '{{year}}: {{projects}} projects, {{tasks}} tasks, {{depts}} lead departments, {{suggestions}} suggestions collected',
    listed: '{{listed}} listed here',
    overall: 'Overall progress',
    export: 'Export list',
    import: 'Import list',
    imported: 'Imported: {{created}} new, {{updated}} changed, {{unchanged}} unchanged',
    importFailed: 'Import refused (nothing stored)',
    publicReport: 'Printable report',
  },
  task: {
    code: 'Code', title: 'Task', category: 'Category', department: 'Lead department', coLead: 'Co-lead', districts: 'Districts', citywide: 'City-wide',
    targets: 'Targets', progress: 'Progress', status: 'Status', flags: 'Flags', pending: 'Pending', returned: 'Returned', planned: 'Planned',
    actual: 'Actual', weight: 'Weight', milestones: 'Milestones', source: 'Source', history: 'Reports', report: 'Report progress', open: 'Open',
    expected: 'plan expects {{pct}}',
  },
  status: { 'not-started': 'Not started', 'in-progress': 'In progress', completed: 'Completed', suspended: 'Suspended' },
  flag: { overdue: 'Overdue', offTrack: 'Behind', unreported: 'Nothing published', ok: 'On track' },
  state: { submitted: 'Waiting for review', returned: 'Returned', published: 'Published' },
  form: {
    status: 'Status', actualStart: 'Actual start (optional)', actualEnd: 'Actual end (optional)', progress: 'Progress (%)', figures: 'Figures so far', note: 'What was done', milestones: 'Milestones done', photos: 'Photos / documents',
    photoHint: 'JPG, PNG, WebP photos or PDF, checked by content', links: 'Links', linkTitle: 'Title', linkUrl: 'URL', addLink: 'Add a link',
    submit: 'Submit for review', submitted: 'Submitted; waiting for the city office', evidenceNeeded: 'Every status needs evidence (photo, document, link or figures)',
    uploadFailed: 'Upload refused',
  },
  review: {
    empty: 'Nothing waiting for review', approve: 'Approve and publish', return: 'Return', comment: 'Comment', commentNeeded: 'Say what should be corrected',
    approved: 'Published', returnedOk: 'Returned', reporter: 'Reporter', reportedAt: 'Reported', example: 'Demo data',
  },
  suggestion: {
    receipt: 'Receipt', title: 'Title', body: 'Text', topic: 'Topic', status: 'Status', region: 'Area', submittedAt: 'Submitted', contact: 'Contact',
    anonymous: 'Anonymous', actions: 'Actions', publish: 'Publish', reject: 'Reject', adopt: 'Adopt', notAdopt: 'Not adopted', merge: 'Merge into…',
    link: 'Link to task', categorise: 'Change topic', response: 'Answer', reason: 'Reason', into: 'Merge into suggestion no.', target: 'Task', done: 'Done',
    filter: 'Filter by status',
  },
  topic: { 'elderly-children': 'Elderly and children', services: 'Welfare and services', infrastructure: 'Infrastructure and safety', governance: 'Governance and liveability', other: 'Other' },
  suggestionStatus: { pending: 'Pending', published: 'Public', adopted: 'Adopted', 'not-adopted': 'Not adopted', merged: 'Merged', rejected: 'Rejected' },
  complaint: {
    category: 'Category', place: 'Place', description: 'Complaint', contact: 'Contact', office: 'Office', status: 'Status', submittedAt: 'Submitted',
    due: 'Due', overdue: 'Overdue', accept: 'Accept', note: 'Add a note', notePublic: 'Visible to the resident', reply: 'Reply', replyText: 'Reply',
    internal: 'Internal', reveal: 'Show full contact', revealReason: 'Why (recorded in the audit log)', timeline: 'History', workOrder: 'Work order', empty: 'No complaints in your region',
  },
  complaintStatus: { received: 'Received', 'in-progress': 'In progress', answered: 'Answered', closed: 'Closed' },
};
export const projectsText = { zh: zhText, en: enText };

const zh = { title: zhText.title };
const en: typeof zh = { title: enText.title };
export const projectsMessages = { zh, en };
