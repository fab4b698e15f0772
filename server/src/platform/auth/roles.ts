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
] as const;
export type Permission = (typeof Permission)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  'city-admin': ['regions.read', 'registry.read', 'registry.write', 'registry.reveal', 'imports.run', 'access-codes.issue', 'users.admin', 'policy.run'],
  'district-staff': ['regions.read', 'registry.read', 'registry.write', 'registry.reveal', 'imports.run', 'access-codes.issue', 'policy.run'],
  'street-staff': ['regions.read', 'registry.read', 'registry.write', 'registry.reveal', 'access-codes.issue'],
  'community-worker': ['regions.read', 'registry.read', 'registry.write'],
  'grid-worker': ['regions.read', 'registry.read', 'registry.write'],
  // The call seat phones relatives and elders: it needs numbers, and reveals IDs only with a reason.
  'call-seat': ['regions.read', 'registry.read', 'registry.reveal', 'pii.phone'],
  'responder': ['regions.read'],
  'auditor': ['regions.read', 'audit.read'],
  'dept-reporter': [],
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
