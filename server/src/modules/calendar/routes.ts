/**
 * The working-day calendar. Reading is public (it is the State Council's calendar); changing it
 * (overrides from an official notice) needs calendar.admin and is audited.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IsoDate } from '@minsheng/contracts';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { calendarDay } from '../../platform/calendar.ts';
import { parseInput } from '../../platform/validate.ts';
import { staffActor, writeAudit, type AuditEntry } from '../../platform/audit.ts';
import { staffOf } from '../../platform/auth/guard.ts';
import { AppError } from '../../platform/errors.ts';
import { calendarBetween, deleteOverride, importOverrides, listOverrides, OverrideInput, parseCalendarCsv, setOverride } from './service.ts';

const DateParams = z.object({ date: IsoDate });
const RangeQuery = z.object({ from: z.string(), to: z.string() });
const OverrideBody = OverrideInput.omit({ date: true });
const ImportBody = z.union([
  z.object({ rows: z.array(z.record(z.string(), z.unknown())) }),
  z.object({ csv: z.string().min(1).max(200_000) }),
]);

export function registerCalendarRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { db } = ctx;
  const audit = (req: FastifyRequest, entry: AuditEntry): Promise<void> => writeAudit(db, staffActor(staffOf(req)), entry, req);

  app.get('/api/calendar/:date', { config: { access: 'public' } }, async (req) => {
    const { date } = parseInput(DateParams, req.params, 'date');
    return calendarDay(ctx.db, date);
  });

  app.get('/api/calendar', { config: { access: 'public' } }, async (req) => {
    const q = parseInput(RangeQuery, req.query, 'query');
    return calendarBetween(db, q.from, q.to);
  });

  app.get('/api/calendar/overrides', { config: { access: 'calendar.admin' } }, async (req) => {
    const q = parseInput(z.object({ year: z.coerce.number().int().min(2000).max(2100) }), req.query, 'query');
    return { items: await listOverrides(db, q.year) };
  });

  app.put('/api/calendar/overrides/:date', { config: { access: 'calendar.admin' } }, async (req) => {
    const { date } = parseInput(DateParams, req.params, 'date');
    const body = parseInput(OverrideBody, req.body);
    await setOverride(db, { ...body, date }, staffOf(req).username);
    await audit(req, { action: 'calendar.override', entity: 'calendar', entityId: date, detail: { ...body } });
    return calendarDay(db, date);
  });

  app.delete('/api/calendar/overrides/:date', { config: { access: 'calendar.admin' } }, async (req) => {
    const { date } = parseInput(DateParams, req.params, 'date');
    if (!(await deleteOverride(db, date))) throw new AppError('not_found', `no override on ${date}`, { field: 'date' });
    await audit(req, { action: 'calendar.override.delete', entity: 'calendar', entityId: date });
    return calendarDay(db, date);
  });

  app.post('/api/calendar/overrides/import', { config: { access: 'calendar.admin' } }, async (req) => {
    const body = parseInput(ImportBody, req.body);
    const result = 'csv' in body
      ? await importOverrides(db, parseCalendarCsv(body.csv), staffOf(req).username, { rowOffset: 1 })
      : await importOverrides(db, body.rows, staffOf(req).username);
    await audit(req, { action: 'calendar.import', entity: 'calendar', detail: result });
    return result;
  });
}
