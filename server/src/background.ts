/**
 * Background work of a serving process (timers, device ingest). Each module adds one starter;
 * a starter returns its stop function. Several server processes may run these at once against one
 * database: each starter must be safe for that (claims with FOR UPDATE SKIP LOCKED, shared MQTT
 * subscriptions).
 */
import type { AppContext } from './platform/context.ts';
import { startWorkOrderTimers } from './modules/workorders/background.ts';
import { startEldercare } from './modules/eldercare/background.ts';

export type BackgroundStarter = (ctx: AppContext) => Promise<() => Promise<void>>;

const STARTERS: Array<[string, BackgroundStarter]> = [
  ['workorders', startWorkOrderTimers],
  ['eldercare', startEldercare],
];

export async function startBackground(ctx: AppContext): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  for (const [name, start] of STARTERS) {
    try {
      stops.push(await start(ctx));
    } catch (err) {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      throw new Error(`background ${name} did not start: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return async () => { for (const stop of stops.reverse()) await stop().catch((e: unknown) => console.error(e)); };
}
