/**
 * The timer runner of a serving process, with the work-order handlers (overdue escalation,
 * webhook deliveries). Other modules register their own timer kinds with registerTimerHandler;
 * this one runner fires them all. Polls every 250 ms, so a timer fires within about 0.25 s of its
 * time (plus the handler's own duration); several processes share the timers safely.
 */
import type { BackgroundStarter } from '../../background.ts';
import { startTimerRunner } from '../../platform/jobs.ts';
import { registerEscalationHandler } from './escalation.ts';
import { registerWebhookHandler } from './webhooks.ts';

export const TIMER_POLL_MS = 250;

export function registerWorkOrderTimerHandlers(): void {
  registerEscalationHandler();
  registerWebhookHandler();
}

export const startWorkOrderTimers: BackgroundStarter = async (ctx) => {
  registerWorkOrderTimerHandlers();
  return startTimerRunner(ctx, { pollMs: TIMER_POLL_MS });
};
