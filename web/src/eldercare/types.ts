/** Shapes of the eldercare API (server/src/modules/eldercare); not validated at runtime. */
export interface WorkOrderAction { seq: number; kind: string; actor: string; at: string; note: string | null; assignee: { label?: string; role?: string } | null; data: Record<string, unknown> | null }
export interface PlanStep { order: number; responder: string; contacts: { name: string; phone: string | null; relation?: string }[]; timeoutSeconds: number }
export interface Alarm {
  id: number; personId: number; elderName: string; communityName: string | null; rule: string; ruleLabel: string; severity: string;
  openedAt: string; receivedAt: string; workday: boolean; closedAt: string | null; outcome: string | null; workOrderId: number | null;
  status: string; acknowledgedAt: string | null; currentStep: number;
  plan: { workday: boolean; steps: PlanStep[]; day?: { date: string; kind: string; name?: string } };
  evidence: { seq: number; rule: string; eventIds: string[]; at: string; explanation: { zh?: string; en?: string } }[];
  timeline: WorkOrderAction[];
}
export interface Device {
  id: string; personId: number; elderName: string; kind: string; vendor: string; serial: string; room: string; mounting: string | null;
  mountingHeightM: number | null; installedAt: string; installedBy: string; lastSeenAt: string | null; batteryPercent: number | null;
  silent: boolean; lowBattery: boolean; warnings: { check: string; message: { zh: string; en: string } }[];
}
export interface ElderSummary { personId: number; name: string; sex: string; birthDate: string; phone: string | null; communityName: string | null; gridId: string | null; status: string; riskTier: string; bedBound: boolean; enrolledAt: string }
export interface ElderFile extends ElderSummary {
  candidateSource: string; staffReason: string | null; consent: { by: string; at: string; method: string; witness: string | null };
  healthNotes: string; ruleParams: { overrides: Record<string, unknown>; effective: Record<string, unknown> };
  contacts: { id: number; priority: number; name: string; relation: string; phone: string }[];
  absences: { id: number; kind: string; startsAt: string; endsAt: string; note: string; current: boolean }[];
  visits: { id: number; visitedAt: string; visitor: string; kind: string; note: string }[];
  visitPlan: { everyDays: number; lastVisitAt: string | null; nextDueAt: string; overdue: boolean };
  devices: Device[]; alarms: Alarm[];
}
export interface Kpis {
  alarms: number; acknowledged: number; ackWithin60s: number | null; ackWithin180s: number | null; onSiteMedianSeconds: number | null;
  falseAlarmByDevice: { deviceId: string; alarms: number; falseAlarms: number; rate: number }[];
  falseAlarmByElder: { personId: number; name: string; alarms: number; falseAlarms: number; rate: number }[];
  silentDevicesNow: { id: string; kind: string; personId: number; elderName: string; lastSeenAt: string | null }[];
}
