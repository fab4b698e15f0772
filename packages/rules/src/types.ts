/** The loaded, checked form of a policy file, shared by the evaluator, the SQL compiler and the tests. */
import type { Decimal } from './decimal.ts';
import type { IrNode } from './ir.ts';

/** Static types of values in expressions. Dates are strings flagged `date` ('YYYY-MM-DD'). */
export type Ty =
  | { k: 'int' }
  | { k: 'number' }
  | { k: 'string'; date?: boolean; enum?: readonly string[] }
  | { k: 'bool' }
  | { k: 'timestamp' }
  | { k: 'object'; name: string; fields: Readonly<Record<string, FieldDef>> }
  | { k: 'list'; of: Ty };

export interface FieldDef {
  ty: Ty;
  optional: boolean;
  description?: string;
}

/** A point in time (input type `datetime`), kept with the text it was written as. */
export class Instant {
  readonly ms: number;
  readonly text: string;
  constructor(ms: number, text: string) {
    this.ms = ms;
    this.text = text;
  }
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Runtime values: int = bigint, number = Decimal, date = string, datetime = Instant, objects stay raw JSON. */
export type Val = bigint | Decimal | string | boolean | Instant | JsonObject | Val[];

export interface Citation {
  document: string;
  number?: string;
  article?: string;
  published?: string;
  url?: string;
}

export interface LocalText {
  zh: string;
  en?: string;
}

export interface ParamValue {
  from: string;
  value: Val;
  /** The value as written in the file (for display). */
  display: string;
  source?: Citation;
  example: boolean;
  note?: string;
}

export interface Parameter {
  name: string;
  ty: Ty;
  unit?: string;
  description?: string;
  /** Sorted by `from`, ascending. */
  values: ParamValue[];
}

/** A checked CEL expression. */
export interface Formula {
  text: string;
  node: IrNode;
  /** Where the expression is written (for messages). */
  where: string;
  /** Parameters the expression reads. */
  params: string[];
}

export interface Condition extends Formula {
  id: string;
  reason: LocalText;
  expected?: string;
}

export type Rounding = 'none' | 'yuan-up' | 'yuan-down' | 'fen';

export interface NamedCase {
  when: Formula;
  outcome: string;
  amount?: Formula;
  reason?: LocalText;
}

export type Outcome =
  | { kind: 'eligibility'; amount?: Formula; rounding: Rounding }
  | { kind: 'named'; cases: NamedCase[]; otherwise: string; eligibleOutcomes: string[]; rounding: Rounding };

export interface TestExpect {
  eligible?: boolean;
  outcome?: string;
  amount?: number | null;
  failed?: string[];
  error?: string;
}

export interface TestCase {
  name: string;
  on: string;
  input: JsonValue;
  expect: TestExpect;
}

export interface PolicySource extends Citation {
  published: string;
}

export interface Policy {
  id: string;
  version: number;
  title: LocalText;
  description?: LocalText;
  source: PolicySource;
  effective: { from: string; to: string | null };
  /** Name of the root input object, e.g. `person`; the input JSON is `{ [entity]: {...} }`. */
  entity: string;
  inputType: Extract<Ty, { k: 'object' }>;
  parameters: Record<string, Parameter>;
  conditions: Condition[];
  outcome: Outcome;
  tests: TestCase[];
  /** File name the policy was loaded from. */
  file: string;
  /** Top-level `x-…` keys of the file, as written (for other tools; the language ignores them). */
  extensions?: Record<string, unknown>;
}
