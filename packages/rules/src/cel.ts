/**
 * The CEL environment of one policy: its input object, `on`, `params` and Minsheng's functions,
 * declared with types so that every expression is type-checked when the file loads.
 *
 * cel-js parses and type-checks; evaluation is done by Minsheng's own interpreter over the IR
 * (ir.ts), so that the JS and SQL paths share one definition of every operation (exact decimals,
 * dates as strings, error absorption).
 */
import { Environment, type ASTNode } from '@marcbachmann/cel-js';
import { ExprError, type IrNode } from './ir.ts';
import { lowerExpression, type LowerContext } from './lower.ts';
import type { Ty } from './types.ts';

const TS = 'google.protobuf.Timestamp';

/** Functions available in policy expressions, with their CEL signatures (documented in the README). */
const FUNCTIONS: readonly string[] = [
  'age(string, string): int',
  'days(string, string): int',
  `date(${TS}): string`,
  'min(int, int): int', 'min(double, double): double', 'min(int, double): double', 'min(double, int): double',
  'max(int, int): int', 'max(double, double): double', 'max(int, double): double', 'max(double, int): double',
  'ceil(double): double', 'ceil(int): double',
  'floor(double): double', 'floor(int): double',
  'round(double): double', 'round(int): double', 'round(double, int): double',
  'abs(int): int', 'abs(double): double',
  'list<int>.sum(): int', 'list<double>.sum(): double',
];

const OPERATORS: readonly string[] = [
  ...['+', '-', '*', '/'].flatMap((op) => [`int ${op} double: double`, `double ${op} int: double`]),
  // cel-js derives double == int and both != from this one
  'int == double: bool',
];

function celType(ty: Ty, env: Environment, registered: Map<Ty, string>): string {
  switch (ty.k) {
    case 'int': return 'int';
    case 'number': return 'double';
    case 'bool': return 'bool';
    case 'string': return 'string';
    case 'timestamp': return TS;
    case 'list': return `list<${celType(ty.of, env, registered)}>`;
    case 'object': {
      let name = registered.get(ty);
      if (name === undefined) {
        // Numbered so that no two objects can share a name, whatever their fields are called.
        name = `T${registered.size}_${ty.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
        registered.set(ty, name);
        const fields: Record<string, string> = {};
        for (const [k, f] of Object.entries(ty.fields)) fields[k] = celType(f.ty, env, registered);
        env.registerType(name, { fields });
      }
      return name;
    }
  }
}

export interface PolicyEnv {
  env: Environment;
  lowerCtx: LowerContext;
}

export function buildEnv(entity: string, inputType: Extract<Ty, { k: 'object' }>, params: Record<string, { ty: Ty }>): PolicyEnv {
  const env = new Environment({ limits: { maxAstNodes: 2000, maxDepth: 60 } });
  const registered = new Map<Ty, string>();
  const rootType = celType(inputType, env, registered);
  const paramFields: Record<string, { ty: Ty; optional: boolean }> = {};
  for (const [k, p] of Object.entries(params)) paramFields[k] = { ty: p.ty, optional: false };
  const paramsType = celType({ k: 'object', name: '$params', fields: paramFields }, env, registered);
  env.registerVariable(entity, rootType);
  env.registerVariable('on', 'string');
  env.registerVariable('params', paramsType);
  const noop = (): never => {
    throw new Error('Minsheng evaluates expressions with its own interpreter');
  };
  for (const sig of FUNCTIONS) env.registerFunction(sig, noop);
  for (const sig of OPERATORS) env.registerOperator(sig, noop);
  return { env, lowerCtx: { entity, inputType, params } };
}

export type ExprKind = 'bool' | 'number';

/** Parses, type-checks and lowers one expression; throws ExprError with offsets in the expression. */
export function compileExpression(penv: PolicyEnv, text: string, kind: ExprKind): IrNode {
  if (text.trim() === '') throw new ExprError('the expression is empty', 0, 0);
  let ast: ASTNode;
  try {
    ast = penv.env.parse(text).ast;
  } catch (e) {
    throw toExprError(e, 'syntax error');
  }
  let checked: ReturnType<Environment['check']>;
  try {
    checked = penv.env.check(text);
  } catch (e) {
    throw toExprError(e, 'type error');
  }
  if (!checked.valid) throw toExprError(checked.error, 'type error');
  const type = checked.type ?? 'dyn';
  if (kind === 'bool' && type !== 'bool') throw new ExprError(`the expression must be true/false (bool), it is ${type}`, 0, text.length);
  if (kind === 'number' && type !== 'int' && type !== 'double') {
    throw new ExprError(`the expression must be a number (int or double), it is ${type}`, 0, text.length);
  }
  return lowerExpression(ast, penv.lowerCtx);
}

function toExprError(e: unknown, what: string): ExprError {
  if (e instanceof ExprError) return e;
  const err = e as { summary?: unknown; message?: unknown; range?: { start: number; end: number } } | undefined;
  const summary = typeof err?.summary === 'string' ? err.summary : String(err?.message ?? e).split('\n')[0];
  return new ExprError(`${what}: ${summary}`, err?.range?.start ?? 0, err?.range?.end ?? 0);
}
