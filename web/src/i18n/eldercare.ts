/**
 * Console strings of the eldercare module: Simplified Chinese first; English has the same shape (checked).
 *
 * Only `title` sits in the typed i18next resources. The rest (eldercareText) is looked up by the
 * eldercare pages' own `t` (web/src/eldercare/i18n.ts): the typed resources are at the size where a
 * template-literal key elsewhere (pages/audit.tsx `audit.actorKind.${kind}`) makes the compiler stop
 * with "type instantiation is excessively deep", and our pages build most keys from enum values anyway.
 */
const zh = {
  title: '独居困难老年人安全守护',
};
const en: typeof zh = {
  title: 'Safety guard for poor elders living alone',
};
export const eldercareMessages = { zh, en };

const zhText = {
  enrol: {
    title: '纳入安全守护（自愿，记录知情同意）', personId: '人员编号', consentAt: '同意时间', witness: '见证人', reason: '纳入理由（非政策认定对象必填）',
    addContact: '添加联系人', hint: '以下为最近一次“独居困难老年人”政策认定符合条件、尚未纳入的人员。', other: '纳入其他人员…', birth: '出生日期',
    decided: '认定日期 / 批次', enrol: '纳入',
  },
  newDevice: {
    title: '登记设备', add: '登记设备', mounting: '安装方式', height: '安装高度（米）', installedBy: '安装人', installedAt: '安装时间',
  },
  roster: { community: '社区代码', add: '加入名册' },
  mounting: { ceiling: '吸顶', wall: '壁挂', door: '门框', table: '桌面', worn: '佩戴' },
  tabs: { seat: '24小时坐席台', candidates: '候选对象', elders: '守护对象', devices: '设备', kpis: '指标', roster: '志愿者名册', quarantine: '隔离消息' },
  seat: {
    live: '实时', offline: '连接中断，正在重连…', openAlarms: '未结报警', none: '当前没有未结报警',
    sound: '声音提示', soundOn: '开', soundOff: '关', select: '选择左侧报警查看详情',
    elder: '老人档案', timeline: '升级时间线', evidence: '报警依据', plan: '升级方案', step: '第{{n}}步',
    received: '接收时间', opened: '报警时间', currentStep: '当前步骤', workday: '工作日', nonWorkday: '非工作日',
    call: '拨打', acknowledge: '确认接警', dispatch: '派遣', onSite: '已到场', resolve: '结案',
    outcome: '处置结果', note: '备注', to: '对象', done: '已记录', acknowledged: '已确认', beijingTime: '时间均为北京时间',
  },
  elder: {
    name: '姓名', community: '社区', risk: '风险等级', bedBound: '卧床', consent: '知情同意', consentBy: '同意人', method: '方式',
    source: '纳入依据', policy: '政策认定', staff: '工作人员登记', contacts: '联系人（按优先级）', relation: '关系', phone: '电话', priority: '优先级',
    health: '健康情况', visits: '走访记录', visitPlan: '走访计划', every: '每{{n}}天', nextDue: '下次应走访', overdue: '已逾期',
    absences: '外出/住院', devices: '设备', alarms: '报警记录', rules: '规则参数', enrolledAt: '纳入时间', open: '打开档案',
    logVisit: '登记走访', addAbsence: '登记外出/住院', kind: '类型', from: '开始', until: '结束', saved: '已保存',
  },
  device: {
    id: '设备号', kind: '类型', vendor: '厂商', serial: '序列号', room: '房间', installed: '安装', lastSeen: '最后消息', battery: '电量',
    state: '状态', silent: '静默', ok: '正常', lowBattery: '电量低', warnings: '安装提示', elder: '老人',
  },
  kpi: {
    alarms: '报警数', ack60: '60秒内人工确认', ack180: '180秒内人工确认', standard: '行业标准 98.5%（60秒）', onSite: '到场时间中位数',
    seconds: '{{n}} 秒', falseByDevice: '误报率（按设备）', falseByElder: '误报率（按老人）', silentNow: '当前静默设备', rate: '误报率', count: '报警', falseCount: '误报',
  },
  quarantine: { at: '接收时间', via: '通道', device: '设备', reason: '原因', payload: '内容' },

  outcome: { 'false-alarm': '误报', 'helped-at-home': '居家协助', 'to-hospital': '送医', deceased: '已故', 'no-answer-resolved': '联系上后解除', other: '其他' },
  severity: { critical: '紧急', high: '高', normal: '一般' },
  status: { open: '待确认', accepted: '已接警', resolved: '已结案', closed: '已关闭', opening: '创建中' },
  responder: { relative: '亲属', 'grid-worker': '网格员', volunteer: '志愿者', 'social-organisation': '社会组织', 'call-seat': '24小时坐席' },
  action: { created: '报警', assigned: '指派', accepted: '接受', note: '记录', visit: '走访', escalated: '升级', notified: '已送达',
    acknowledged: '确认', dispatched: '派遣', 'on-site': '到场', timeout: '超时', resolved: '结案', closed: '关闭', reopened: '重开' },
  tier: { low: '低', medium: '中', high: '高' },
  consentMethod: { 'signed-paper': '书面签字', 'verbal-witnessed': '口头（有见证人）', app: 'App 确认' },
  absence: { away: '外出', hospital: '住院' },
  visitKind: { home: '上门', phone: '电话', video: '视频' },
  deviceKind: { 'call-button': '一键呼叫', presence: '红外人体感应', 'fall-radar': '跌倒雷达', door: '门磁' },
  room: { 'living-room': '客厅', bedroom: '卧室', bathroom: '卫生间', kitchen: '厨房', entrance: '入户门', worn: '随身佩戴' },
  rule: { sos: '一键呼叫', fall: '跌倒', 'still-after-fall': '跌倒后无活动', inactivity: '长时间无活动', 'door-not-opened': '门长时间未开', 'door-open-night': '夜间门未关' },
};
const enText: typeof zhText = {
  enrol: {
    title: 'Enrol in the safety guard (voluntary, consent recorded)', personId: 'Person no.', consentAt: 'Consent given at', witness: 'Witness', reason: 'Reason (required unless a policy candidate)',
    addContact: 'Add contact', hint: 'Persons the latest elder-alone-guard policy run found eligible and not yet enrolled.', other: 'Enrol someone else…', birth: 'Born',
    decided: 'Decided on / run', enrol: 'Enrol',
  },
  newDevice: {
    title: 'Register a device', add: 'Register device', mounting: 'Mounting', height: 'Height (m)', installedBy: 'Installed by', installedAt: 'Installed at',
  },
  roster: { community: 'Community code', add: 'Add to roster' },
  mounting: { ceiling: 'Ceiling', wall: 'Wall', door: 'Door frame', table: 'Table', worn: 'Worn' },
  tabs: { seat: '24-hour call seat', candidates: 'Candidates', elders: 'Elders', devices: 'Devices', kpis: 'KPIs', roster: 'Roster', quarantine: 'Quarantine' },
  seat: {
    live: 'Live', offline: 'Connection lost, reconnecting…', openAlarms: 'Open alarms', none: 'No open alarms',
    sound: 'Sound', soundOn: 'on', soundOff: 'off', select: 'Select an alarm on the left',
    elder: 'Elder file', timeline: 'Escalation timeline', evidence: 'Why it fired', plan: 'Escalation plan', step: 'Step {{n}}',
    received: 'Received', opened: 'Alarm time', currentStep: 'Current step', workday: 'Working day', nonWorkday: 'Non-working day',
    call: 'Call', acknowledge: 'Acknowledge', dispatch: 'Dispatch', onSite: 'On site', resolve: 'Resolve',
    outcome: 'Outcome', note: 'Note', to: 'To', done: 'Recorded', acknowledged: 'Acknowledged', beijingTime: 'All times are Beijing time (UTC+8)',
  },
  elder: {
    name: 'Name', community: 'Community', risk: 'Risk tier', bedBound: 'Bed-bound', consent: 'Consent', consentBy: 'Given by', method: 'How',
    source: 'Enrolled because', policy: 'Policy decision', staff: 'Staff choice', contacts: 'Contacts (priority order)', relation: 'Relation', phone: 'Phone', priority: 'Priority',
    health: 'Health notes', visits: 'Visits', visitPlan: 'Visit plan', every: 'every {{n}} days', nextDue: 'Next visit due', overdue: 'Overdue',
    absences: 'Away / in hospital', devices: 'Devices', alarms: 'Alarms', rules: 'Rule parameters', enrolledAt: 'Enrolled', open: 'Open file',
    logVisit: 'Log a visit', addAbsence: 'Add away / hospital', kind: 'Kind', from: 'From', until: 'Until', saved: 'Saved',
  },
  device: {
    id: 'Device', kind: 'Kind', vendor: 'Vendor', serial: 'Serial', room: 'Room', installed: 'Installed', lastSeen: 'Last message', battery: 'Battery',
    state: 'State', silent: 'Silent', ok: 'OK', lowBattery: 'Low battery', warnings: 'Installation warnings', elder: 'Elder',
  },
  kpi: {
    alarms: 'Alarms', ack60: 'Acknowledged by a human in 60 s', ack180: 'Acknowledged by a human in 180 s', standard: 'Telecare standard 98.5 % in 60 s', onSite: 'Median time to on-site',
    seconds: '{{n}} s', falseByDevice: 'False-alarm rate by device', falseByElder: 'False-alarm rate by elder', silentNow: 'Devices silent now', rate: 'Rate', count: 'Alarms', falseCount: 'False',
  },
  quarantine: { at: 'Received', via: 'Via', device: 'Device', reason: 'Reason', payload: 'Payload' },

  outcome: { 'false-alarm': 'False alarm', 'helped-at-home': 'Helped at home', 'to-hospital': 'To hospital', deceased: 'Deceased', 'no-answer-resolved': 'Reached later, resolved', other: 'Other' },
  severity: { critical: 'Critical', high: 'High', normal: 'Normal' },
  status: { open: 'Waiting', accepted: 'Acknowledged', resolved: 'Resolved', closed: 'Closed', opening: 'Opening' },
  responder: { relative: 'Relative', 'grid-worker': 'Grid worker', volunteer: 'Volunteer', 'social-organisation': 'Social organisation', 'call-seat': 'Call seat' },
  action: { created: 'Alarm', assigned: 'Assigned', accepted: 'Accepted', note: 'Note', visit: 'Visit', escalated: 'Escalated', notified: 'Delivered',
    acknowledged: 'Acknowledged', dispatched: 'Dispatched', 'on-site': 'On site', timeout: 'Timeout', resolved: 'Resolved', closed: 'Closed', reopened: 'Reopened' },
  tier: { low: 'Low', medium: 'Medium', high: 'High' },
  consentMethod: { 'signed-paper': 'Signed paper', 'verbal-witnessed': 'Verbal, witnessed', app: 'In the app' },
  absence: { away: 'Away', hospital: 'In hospital' },
  visitKind: { home: 'Home', phone: 'Phone', video: 'Video' },
  deviceKind: { 'call-button': 'Call button', presence: 'Infrared presence', 'fall-radar': 'Fall radar', door: 'Door sensor' },
  room: { 'living-room': 'Living room', bedroom: 'Bedroom', bathroom: 'Bathroom', kitchen: 'Kitchen', entrance: 'Entrance', worn: 'Worn' },
  rule: { sos: 'SOS button', fall: 'Fall', 'still-after-fall': 'No movement after a fall', inactivity: 'Inactivity', 'door-not-opened': 'Door not opened', 'door-open-night': 'Door open at night' },
};
export const eldercareText = { zh: zhText, en: enText };
