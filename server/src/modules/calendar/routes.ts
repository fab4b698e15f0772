/** The working-day calendar: public (it is the State Council's calendar), one day per call. */
import type { FastifyInstance } from 'fastify';
import { IsoDate } from '@minsheng/contracts';
import { z } from 'zod';
import type { AppContext } from '../../platform/context.ts';
import { calendarDay } from '../../platform/calendar.ts';
import { parseInput } from '../../platform/validate.ts';

const DateParams = z.object({ date: IsoDate });

export function registerCalendarRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/api/calendar/:date', { config: { access: 'public' } }, async (req) => {
    const { date } = parseInput(DateParams, req.params, 'date');
    return calendarDay(ctx.db, date);
  });
}
