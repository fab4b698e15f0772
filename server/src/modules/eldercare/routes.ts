/**
 * Eldercare endpoints: the elder's file, devices, roster, quarantine (this file) and alarms, the
 * call seat, KPIs and the vendors' signed push (routes-alarms.ts). Every staff read of personal
 * data is audit-logged; phones are masked unless the role has pii.phone; out-of-region is 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import { parseInput } from '../../platform/validate.ts';
import { staffActor, writeAudit, type AuditEntry } from '../../platform/audit.ts';
import { hasPermission, scopeOf, staffOf } from '../../platform/auth/guard.ts';
import { scopeCovers } from '../../platform/auth/scope.ts';
import { maskPhone } from '../registry/masking.ts';
import * as elders from './elders.ts';
import { deviceView, listDevices, registerDevice } from './devices.ts';
import { insertRoster, listCandidates, listElders, listQuarantine, listRoster } from './repo.ts';
import { escalationPlan } from './plan.ts';
import { listAlarms } from './console.ts';
import { AbsenceInput, ContactsInput, DeviceInput, ElderPatch, EnrolInput, RosterInput, VisitInput } from './schemas.ts';
import { registerAlarmRoutes } from './routes-alarms.ts';

const PersonParams = z.object({ personId: z.coerce.number().int().positive() });
const Paging = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), offset: z.coerce.number().int().min(0).max(100_000).default(0) });
const PlanQuery = z.object({ at: z.string().datetime({ offset: true, message: 'expected an ISO-8601 date-time, e.g. 2026-02-14T09:00:00+08:00' }).optional() });
const DeviceQuery = z.object({ personId: z.coerce.number().int().positive().optional() });
const RosterQuery = z.object({ community: z.string().regex(/^\d{12}$/, 'expected a 12-digit community code').optional() });

export function registerEldercareRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  const audit = (req: FastifyRequest, entry: AuditEntry): Promise<void> => writeAudit(db, staffActor(staffOf(req)), entry, req);
  const phone = (req: FastifyRequest) => (p: string | null): string | null => (hasPermission(staffOf(req), 'pii.phone') ? p : maskPhone(p));

  app.get('/api/eldercare/candidates', { config: { access: 'eldercare.read' } }, async (req) => {
    const { limit } = parseInput(Paging, req.query, 'query');
    const rows = await listCandidates(db, scopeOf(req, 'eldercare.read'), limit);
    await audit(req, { action: 'eldercare.candidates', entity: 'person', subjectIds: rows.map((r) => r.person_id), fields: ['name', 'birthDate', 'residence'] });
    return { items: rows.map((r) => ({ personId: r.person_id, name: r.name, birthDate: r.birth_date, communityCode: r.community_code, gridId: r.grid_id, runId: r.run_id, decidedOn: r.on_date })) };
  });

  app.get('/api/eldercare/elders', { config: { access: 'eldercare.read' } }, async (req) => {
    const { limit, offset } = parseInput(Paging, req.query, 'query');
    const rows = await listElders(db, scopeOf(req, 'eldercare.read'), limit, offset);
    await audit(req, { action: 'eldercare.elders', entity: 'person', subjectIds: rows.map((r) => r.person_id), fields: ['name', 'phone', 'riskTier'] });
    const mask = phone(req);
    return { items: rows.map((r) => ({ ...elders.elderSummary(r), phone: mask(r.phone) })) };
  });

  app.post('/api/eldercare/elders', { config: { access: 'eldercare.write' } }, async (req, reply) => {
    const input = parseInput(EnrolInput, req.body);
    const id = await elders.enrol(db, scopeOf(req, 'eldercare.write'), input, staffOf(req).username);
    await audit(req, { action: 'eldercare.enrol', entity: 'person', entityId: id, subjectIds: [id], fields: ['consent', 'contacts', 'riskTier'], reason: input.reason });
    return reply.status(201).send({ personId: id });
  });

  app.get('/api/eldercare/elders/:personId', { config: { access: 'eldercare.read' } }, async (req) => {
    const { personId } = parseInput(PersonParams, req.params, 'personId');
    const scope = scopeOf(req, 'eldercare.read');
    let file: elders.ElderFile;
    try {
      file = await elders.getElderFile(db, scope, personId);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') await audit(req, { action: 'eldercare.read', entity: 'person', entityId: personId, outcome: 'denied', detail: { answer: 'not found or outside the region' } });
      throw err;
    }
    const now = new Date();
    const devices = (await listDevices(db, scope, { personId })).map((d) => deviceView(d, now));
    const alarms = await listAlarms(db, scope, { open: false, personId, limit: 20 });
    await audit(req, { action: 'eldercare.read', entity: 'person', entityId: personId, subjectIds: [personId], fields: ['file', 'contacts', 'healthNotes', 'devices', 'alarms'] });
    const mask = phone(req);
    return { ...file, phone: mask(file.phone), contacts: file.contacts.map((c) => ({ ...c, phone: mask(c.phone) })), devices, alarms };
  });

  app.patch('/api/eldercare/elders/:personId', { config: { access: 'eldercare.write' } }, async (req) => {
    const { personId } = parseInput(PersonParams, req.params, 'personId');
    const patch = parseInput(ElderPatch, req.body);
    await elders.updateElder(db, scopeOf(req, 'eldercare.write'), personId, patch);
    await audit(req, { action: 'eldercare.update', entity: 'person', entityId: personId, subjectIds: [personId], fields: Object.keys(patch).filter((k) => k !== 'reason'), reason: patch.reason });
    return { personId };
  });

  app.put('/api/eldercare/elders/:personId/contacts', { config: { access: 'eldercare.write' } }, async (req) => {
    const { personId } = parseInput(PersonParams, req.params, 'personId');
    const { contacts } = parseInput(ContactsInput, req.body);
    await elders.replaceContacts(db, scopeOf(req, 'eldercare.write'), personId, contacts, staffOf(req).username);
    await audit(req, { action: 'eldercare.contacts', entity: 'person', entityId: personId, subjectIds: [personId], fields: ['contacts'] });
    return { personId, contacts: contacts.length };
  });

  app.post('/api/eldercare/elders/:personId/absences', { config: { access: 'eldercare.write' } }, async (req, reply) => {
    const { personId } = parseInput(PersonParams, req.params, 'personId');
    const input = parseInput(AbsenceInput, req.body);
    const id = await elders.addAbsence(db, scopeOf(req, 'eldercare.write'), personId, input, staffOf(req).username);
    await audit(req, { action: 'eldercare.absence', entity: 'person', entityId: personId, subjectIds: [personId], fields: ['absence'] });
    return reply.status(201).send({ id });
  });

  // Grid workers and volunteers visit; logging a visit is part of their work-order duties.
  app.post('/api/eldercare/elders/:personId/visits', { config: { access: 'workorders.act' } }, async (req, reply) => {
    const { personId } = parseInput(PersonParams, req.params, 'personId');
    const input = parseInput(VisitInput, req.body);
    const id = await elders.addVisit(db, scopeOf(req, 'workorders.act'), personId, input, staffOf(req).username);
    await audit(req, { action: 'eldercare.visit', entity: 'person', entityId: personId, subjectIds: [personId], fields: ['visit'] });
    return reply.status(201).send({ id });
  });

  app.get('/api/eldercare/elders/:personId/escalation-plan', { config: { access: 'eldercare.read' } }, async (req) => {
    const { personId } = parseInput(PersonParams, req.params, 'personId');
    const { at } = parseInput(PlanQuery, req.query, 'at');
    const file = await elders.getElderFile(db, scopeOf(req, 'eldercare.read'), personId);
    const plan = await escalationPlan(db, { personId, communityCode: file.communityCode, gridId: file.gridId }, at ? new Date(at) : new Date());
    await audit(req, { action: 'eldercare.plan', entity: 'person', entityId: personId, subjectIds: [personId], fields: ['contacts'] });
    const mask = phone(req);
    return { at: plan.at, workday: plan.workday, day: plan.day, steps: plan.steps.map((s) => ({ ...s, contacts: s.contacts.map((c) => ({ ...c, phone: mask(c.phone) })) })) };
  });

  app.get('/api/eldercare/devices', { config: { access: 'eldercare.read' } }, async (req) => {
    const q = parseInput(DeviceQuery, req.query, 'query');
    const rows = await listDevices(db, scopeOf(req, 'eldercare.read'), q);
    await audit(req, { action: 'eldercare.devices', entity: 'person', subjectIds: [...new Set(rows.map((r) => r.person_id))], fields: ['name', 'devices'] });
    const now = new Date();
    return { items: rows.map((d) => deviceView(d, now)) };
  });

  app.post('/api/eldercare/devices', { config: { access: 'eldercare.write' } }, async (req, reply) => {
    const input = parseInput(DeviceInput, req.body);
    const row = await registerDevice(db, scopeOf(req, 'eldercare.write'), input);
    await audit(req, { action: 'eldercare.device', entity: 'person', entityId: input.personId, subjectIds: [input.personId], fields: ['device'], detail: { deviceId: input.id } });
    return reply.status(201).send(deviceView(row, new Date()));
  });

  app.get('/api/eldercare/roster', { config: { access: 'eldercare.read' } }, async (req) => {
    const q = parseInput(RosterQuery, req.query, 'query');
    const rows = await listRoster(db, scopeOf(req, 'eldercare.read'), q.community);
    await audit(req, { action: 'eldercare.roster', entity: 'roster', fields: ['name', 'phone'], detail: { community: q.community ?? null, rows: rows.length } });
    const mask = phone(req);
    return { items: rows.map((r) => ({ id: r.id, communityCode: r.community_code, kind: r.kind, name: r.name, phone: mask(r.phone), priority: r.priority, active: r.active })) };
  });

  app.post('/api/eldercare/roster', { config: { access: 'eldercare.write' } }, async (req, reply) => {
    const input = parseInput(RosterInput, req.body);
    if (!scopeCovers(scopeOf(req, 'eldercare.write'), input.communityCode, null)) {
      throw new AppError('validation', 'communityCode: this community is outside your region', { field: 'communityCode' });
    }
    const id = await insertRoster(db, input, staffOf(req).username);
    await audit(req, { action: 'eldercare.roster.add', entity: 'roster', entityId: id, fields: ['name', 'phone'] });
    return reply.status(201).send({ id });
  });

  app.get('/api/eldercare/quarantine', { config: { access: 'eldercare.read' } }, async (req) => {
    const { limit } = parseInput(Paging, req.query, 'query');
    const rows = await listQuarantine(db, scopeOf(req, 'eldercare.read'), limit);
    return { items: rows.map((r) => ({ id: r.id, receivedAt: r.received_at, via: r.via, topic: r.topic, deviceId: r.device_id, payload: r.payload, reason: r.reason })) };
  });

  registerAlarmRoutes(app, ctx);
}
