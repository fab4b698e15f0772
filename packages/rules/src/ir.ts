/**
 * Minsheng's typed IR of a CEL expression: the subset of CEL that both the JS interpreter and the
 * SQL compiler implement (lower.ts builds it from cel-js's AST).
 */
import type { Ty, Val } from './types.ts';

export type CallFn =
  | 'age' | 'days' | 'date' | 'min' | 'max' | 'ceil' | 'floor' | 'round' | 'abs' | 'size'
  | 'toNumber' | 'toInt' | 'toString' | 'startsWith' | 'endsWith' | 'contains' | 'sum';
export type MacroFn = 'exists' | 'all' | 'exists_one' | 'filter' | 'map';
export type CmpFn = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithFn = '+' | '-' | '*' | '/' | '%';

interface IrBase {
  ty: Ty;
  /** Source text of the node, for messages and trace keys. */
  text: string;
  start: number;
  end: number;
  /** True when the value depends on no input (literals, parameters, `on`). */
  isConst: boolean;
}

export type IrNode = IrBase &
  (
    | { op: 'lit'; value: Val }
    | { op: 'listLit'; items: IrNode[] }
    | { op: 'param'; name: string }
    | { op: 'on' }
    | { op: 'root' }
    | { op: 'var'; name: string }
    | { op: 'field'; obj: IrNode; name: string; optional: boolean }
    | { op: 'index'; list: IrNode; index: IrNode }
    | { op: 'has'; obj: IrNode; name: string }
    | { op: 'not'; arg: IrNode }
    | { op: 'neg'; arg: IrNode }
    | { op: 'and' | 'or'; left: IrNode; right: IrNode }
    | { op: 'cond'; test: IrNode; then: IrNode; else: IrNode }
    | { op: 'arith'; fn: ArithFn; left: IrNode; right: IrNode }
    | { op: 'concat'; left: IrNode; right: IrNode }
    | { op: 'cmp'; fn: CmpFn; left: IrNode; right: IrNode }
    | { op: 'in'; elem: IrNode; list: IrNode }
    | { op: 'call'; fn: CallFn; args: IrNode[] }
    | { op: 'macro'; fn: MacroFn; list: IrNode; v: string; body: IrNode }
  );

/** A problem in an expression; start/end are offsets in the expression text. */
export class ExprError extends Error {
  readonly start: number;
  readonly end: number;
  constructor(message: string, start: number, end: number) {
    super(message);
    this.start = start;
    this.end = end;
  }
}

export function tyName(ty: Ty): string {
  switch (ty.k) {
    case 'int': return 'int';
    case 'number': return 'number';
    case 'bool': return 'bool';
    case 'timestamp': return 'datetime';
    case 'object': return `object ${ty.name}`;
    case 'list': return `list of ${tyName(ty.of)}`;
    case 'string': return ty.date ? 'date' : ty.enum ? 'enum' : 'string';
  }
}

export const isScalar = (ty: Ty): boolean => ty.k !== 'object' && ty.k !== 'list';
export const isNumeric = (ty: Ty): boolean => ty.k === 'int' || ty.k === 'number';
export const isDate = (n: IrNode): boolean => n.ty.k === 'string' && n.ty.date === true;
export const isStrLit = (n: IrNode): n is IrNode & { op: 'lit'; value: string } => n.op === 'lit' && typeof n.value === 'string';

export function sameKind(a: Ty, b: Ty): boolean {
  if (a.k !== b.k) return false;
  if (a.k === 'list' && b.k === 'list') return sameKind(a.of, b.of);
  return true;
}

/** Visits every node (for collecting parameters and trace keys). */
export function walk(n: IrNode, f: (n: IrNode) => void): void {
  f(n);
  switch (n.op) {
    case 'listLit': n.items.forEach((i) => walk(i, f)); return;
    case 'field': walk(n.obj, f); return;
    case 'has': walk(n.obj, f); return;
    case 'index': walk(n.list, f); walk(n.index, f); return;
    case 'not': case 'neg': walk(n.arg, f); return;
    case 'and': case 'or': case 'arith': case 'concat': case 'cmp':
      walk(n.left, f); walk(n.right, f); return;
    case 'cond': walk(n.test, f); walk(n.then, f); walk(n.else, f); return;
    case 'in': walk(n.elem, f); walk(n.list, f); return;
    case 'call': n.args.forEach((x) => walk(x, f)); return;
    case 'macro': walk(n.list, f); walk(n.body, f); return;
    default: return;
  }
}
