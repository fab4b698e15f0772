/**
 * Roles and what each may do. A role is always bound to a region subtree (grid workers to a grid);
 * the permission says what, the binding says where.
 */
export const Role = [
  'city-admin', 'district-staff', 'street-staff', 'community-worker', 'grid-worker',
  'call-seat', 'responder', 'auditor', 'dept-reporter',
] as const;
export type Role = (typeof Role)[number];

export const Permission = [
  'regions.read',      // the division map and grids (reference data)
  'registry.read',     // person and household files, search
  'registry.write',    // register and change persons and households
  'registry.reveal',   // unmask a citizen ID or phone, with a reason
  'pii.phone',         // sees phone numbers unmasked (must call people)
  'imports.run',       // bulk imports
  'access-codes.issue',// issue a resident's portal access code
  'audit.read',        // the audit log
  'users.admin',       // accounts, roles, lockouts
  'policy.run',        // run a policy over the registry (batch decisions) and what-ifs
  'workorders.read',   // work orders in the region (and those assigned to the caller)
  'workorders.act',    // accept, note, visit, escalate, resolve work orders
  'calendar.admin',    // load official holiday notices as calendar overrides
  'monitoring.read',   // warnings and assistance chains in the region
  'monitoring.run',    // run the warning rules
  'feeds.import',      // import other departments' data feeds
  'eldercare.read',    // safety-guard elder files, devices, alarms
  'eldercare.write',   // enrol elders, register devices, plan visits
  'alarms.handle',     // acknowledge, dispatch and resolve alarms
  'projects.report',   // a lead department reports progress on its tasks
  'projects.review',   // the city office reviews and publishes progress, edits the plan
  'suggestions.moderate', // moderate, merge and adopt public suggestions
  'complaints.handle', // answer residents' complaints and demands
] as const;
export type Permission = (typeof Permission)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  'city-admin': ['regions.read', 'registry.read', 'registry.write', 'registry.reveal', 'imports.run', 'access-codes.issue', 'users.admin', 'policy.run',
    'workorders.read', 'workorders.act', 'calendar.admin', 'monitoring.read', 'monitoring.run', 'feeds.import',
    'eldercare.read', 'eldercare.write', 'alarms.handle', 'projects.review', 'suggestions.moderate', 'complaints.handle'],
  'district-staff': ['regions.read', 'registry.read', 'registry.write', 'registry.reveal', 'imports.run', 'access-codes.issue', 'policy.run',
    'workorders.read', 'workorders.act', 'monitoring.read', 'monitoring.run', 'feeds.import', 'eldercare.read', 'eldercare.write', 'alarms.handle', 'complaints.handle'],
  'street-staff': ['regions.read', 'registry.read', 'registry.write', 'registry.reveal', 'access-codes.issue',
    'workorders.read', 'workorders.act', 'monitoring.read', 'eldercare.read', 'eldercare.write', 'alarms.handle', 'complaints.handle'],
  'community-worker': ['regions.read', 'registry.read', 'registry.write', 'workorders.read', 'workorders.act', 'monitoring.read', 'eldercare.read', 'eldercare.write', 'alarms.handle'],
  'grid-worker': ['regions.read', 'registry.read', 'registry.write', 'workorders.read', 'workorders.act', 'monitoring.read', 'eldercare.read', 'alarms.handle'],
  // The call seat phones relatives and elders: it needs numbers, and reveals IDs only with a reason.
  'call-seat': ['regions.read', 'registry.read', 'registry.reveal', 'pii.phone', 'workorders.read', 'workorders.act', 'eldercare.read', 'alarms.handle'],
  // Volunteers and social organisations see only the alarms and visits given to them.
  'responder': ['regions.read', 'workorders.read', 'workorders.act', 'alarms.handle'],
  'auditor': ['regions.read', 'audit.read'],
  'dept-reporter': ['projects.report'],
};

/** Chinese labels, for the console and the resident's access log. */
export const ROLE_LABELS: Record<Role, string> = {
  'city-admin': '市级管理员', 'district-staff': '区民政局工作人员', 'street-staff': '街道/乡镇工作人员',
  'community-worker': '社区工作者', 'grid-worker': '网格员', 'call-seat': '24小时人工坐席',
  'responder': '志愿者/社会组织', 'auditor': '审计员', 'dept-reporter': '牵头部门填报员',
};

/** Which region level each role is bound at; a binding at another level is refused. */
export const ROLE_LEVEL: Record<Role, 'city' | 'district' | 'street' | 'community' | 'any'> = {
  'city-admin': 'city', 'district-staff': 'district', 'street-staff': 'street', 'community-worker': 'community',
  'grid-worker': 'community', 'call-seat': 'any', 'responder': 'any', 'auditor': 'any', 'dept-reporter': 'any',
};
