/**
 * The self-check engine: the rules package's own interpreter (`evaluate`, the one the server runs),
 * over the policies loaded at build time. Runs only in this browser: no answer is ever sent.
 * Only the interpreter is bundled (decimal arithmetic, values, trace), not the YAML/CEL loader.
 */
import shipped from 'virtual:portal-policies';
import { evaluate, EXAMPLE_CITATION, type Decision } from '../../../../packages/rules/src/evaluate.ts';
import { RulesError } from '../../../../packages/rules/src/errors.ts';
import type { JsonObject } from '../../../../packages/rules/src/types.ts';
import { revive, type ShippedPolicy } from './codec.ts';

export { EXAMPLE_CITATION, type Decision };

export const POLICIES: readonly ShippedPolicy[] = shipped.map(revive);

export const findPolicy = (id: string): ShippedPolicy | undefined => POLICIES.find((p) => p.id === id);

export type CheckResult = { ok: true; decision: Decision } | { ok: false; message: string };

/** Decides one input on `on`; a refused input or a date outside the policy's period is a message, not a crash. */
export function check(p: ShippedPolicy, input: JsonObject, on: string): CheckResult {
  try {
    return { ok: true, decision: evaluate(p.policy, input, on) };
  } catch (e) {
    if (e instanceof RulesError) return { ok: false, message: e.message };
    throw e;
  }
}

/** Today's date in China (the policies' dates are China dates), as YYYY-MM-DD. */
export function chinaToday(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
