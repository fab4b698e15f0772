/**
 * Loaded policies as JSON and back. The portal's self-check (福利自查) loads the YAML policies at
 * build time (YAML parser, zod and the CEL type checker weigh ~170 KB gzipped, nearly the whole
 * portal budget) and ships the checked form; the browser revives it and runs the same interpreter
 * (`evaluate`) the server runs. JSON cannot carry the runtime values of the rules package
 * (int = bigint, number = Decimal, datetime = Instant), so they travel tagged.
 */
import { Decimal } from '../../../../packages/rules/src/decimal.ts';
import { Instant, type Policy } from '../../../../packages/rules/src/types.ts';

/** The tag key; no field of a loaded policy is named like this (keys are identifiers or fixed names). */
const TAG = '$ms';
type Encoded = null | boolean | number | string | Encoded[] | { [k: string]: Encoded };

export function encode(v: unknown): Encoded {
  if (typeof v === 'bigint') return { [TAG]: 'i', v: v.toString() };
  if (v instanceof Decimal) return { [TAG]: 'd', u: v.unscaled.toString(), s: v.scale };
  if (v instanceof Instant) return { [TAG]: 't', ms: v.ms, text: v.text };
  if (Array.isArray(v)) return v.map(encode);
  if (v === null || typeof v !== 'object') {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') throw new Error(`cannot encode ${typeof v}`);
    return v as boolean | number | string;
  }
  const out: { [k: string]: Encoded } = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = encode(x);
  return out;
}

export function decode(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  switch (o[TAG]) {
    case 'i': return BigInt(o.v as string);
    case 'd': return new Decimal(BigInt(o.u as string), o.s as number);
    case 't': return new Instant(o.ms as number, o.text as string);
    default: {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) out[k] = decode(x);
      return out;
    }
  }
}

/** One self-check policy as shipped: its public id (path under policies/) and the loaded policy. */
export interface ShippedPolicy { id: string; policy: Policy }

/** Drops what the browser does not need (the embedded test cases) before encoding. */
export function ship(id: string, policy: Policy): Encoded {
  return encode({ id, policy: { ...policy, tests: [] } });
}

export const revive = (encoded: unknown): ShippedPolicy => decode(encoded) as ShippedPolicy;
