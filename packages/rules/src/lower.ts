/**
 * Lowers a type-checked CEL AST to the typed IR (ir.ts). Anything outside the supported subset is
 * refused here, at load time, with "CEL feature X is not supported in batch (SQL) mode" — never
 * dropped silently.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { Decimal } from './decimal.ts';
import { ExprError, isDate, isNumeric, isScalar, isStrLit, sameKind, tyName, type ArithFn, type CallFn, type CmpFn, type IrNode } from './ir.ts';
import { Instant, type Ty } from './types.ts';
import { isValidDate, parseDatetime } from './values.ts';

type IrBase = Pick<IrNode, 'ty' | 'text' | 'start' | 'end' | 'isConst'>;

export interface LowerContext {
  entity: string;
  inputType: Ty;
  params: Readonly<Record<string, { ty: Ty }>>;
}

const T_INT: Ty = { k: 'int' };
const T_NUM: Ty = { k: 'number' };
const T_BOOL: Ty = { k: 'bool' };
const T_STR: Ty = { k: 'string' };
const T_DATE: Ty = { k: 'string', date: true };

const unsupported = (feature: string, n: { start: number; end: number }): ExprError =>
  new ExprError(`CEL feature ${feature} is not supported in batch (SQL) mode`, n.start, n.end);

export function lowerExpression(ast: ASTNode, ctx: LowerContext): IrNode {
  return new Lowerer(ctx, ast.input).lower(ast, new Map());
}

type Scope = ReadonlyMap<string, Ty>;

class Lowerer {
  private readonly ctx: LowerContext;
  private readonly src: string;
  constructor(ctx: LowerContext, src: string) {
    this.ctx = ctx;
    this.src = src;
  }

  private base(a: ASTNode, ty: Ty, isConst: boolean): IrBase {
    return { ty, text: this.src.slice(a.start, a.end).trim(), start: a.start, end: a.end, isConst };
  }

  private err(message: string, a: { start: number; end: number }): ExprError {
    return new ExprError(message, a.start, a.end);
  }

  /** Wraps an int node as a number so mixed int/number arithmetic has one meaning on both paths. */
  private toNumber(n: IrNode): IrNode {
    if (n.ty.k !== 'int') return n;
    return { ...this.baseOf(n, T_NUM), op: 'call', fn: 'toNumber', args: [n] };
  }

  private baseOf(n: IrNode, ty: Ty): IrBase {
    return { ty, text: n.text, start: n.start, end: n.end, isConst: n.isConst };
  }

  private promote(l: IrNode, r: IrNode): [IrNode, IrNode] {
    if (l.ty.k === 'int' && r.ty.k === 'number') return [this.toNumber(l), r];
    if (l.ty.k === 'number' && r.ty.k === 'int') return [l, this.toNumber(r)];
    return [l, r];
  }

  private expect(n: IrNode, pred: (t: Ty) => boolean, what: string): IrNode {
    if (!pred(n.ty)) throw this.err(`${n.text} must be ${what}, it is ${tyName(n.ty)}`, n);
    return n;
  }

  /** A date argument: a date-typed value or a string literal that is a valid date. */
  private dateArg(n: IrNode, fn: string): IrNode {
    if (isDate(n)) return n;
    if (isStrLit(n)) {
      if (!isValidDate(n.value)) throw this.err(`${fn}() needs a date YYYY-MM-DD: ${n.text} is not a valid date`, n);
      return { ...n, ty: T_DATE };
    }
    throw this.err(`${fn}() takes dates (YYYY-MM-DD): ${n.text} is ${tyName(n.ty)}`, n);
  }

  /** Catches typos in literals compared with enums or dates: `person.hukou == "tianjn"`. */
  private checkLiteralAgainst(typed: IrNode, lit: IrNode): void {
    if (!isStrLit(lit) || typed.ty.k !== 'string') return;
    if (typed.ty.enum && !typed.ty.enum.includes(lit.value)) {
      throw this.err(`${lit.text} is not a value of ${typed.text}; allowed: ${typed.ty.enum.map((e) => JSON.stringify(e)).join(', ')}`, lit);
    }
    if (typed.ty.date && !isValidDate(lit.value)) throw this.err(`${lit.text} is not a valid date YYYY-MM-DD`, lit);
  }

  lower(a: ASTNode, scope: Scope): IrNode {
    switch (a.op) {
      case 'value': return this.literal(a);
      case 'id': return this.ident(a, scope);
      case '.': return this.select(a, scope);
      case '.?':
      case '[?]':
        throw unsupported('optional selection (.? / [?])', a);
      case '[]': {
        const list = this.lower(a.args[0], scope);
        const index = this.lower(a.args[1], scope);
        if (list.ty.k !== 'list') throw unsupported(`indexing a ${tyName(list.ty)}`, a);
        this.expect(index, (t) => t.k === 'int', 'an int index');
        return { ...this.base(a, list.ty.of, list.isConst && index.isConst), op: 'index', list, index };
      }
      case 'call': return this.call(a, a.args[0], a.args[1], scope);
      case 'rcall': return this.method(a, a.args[0], a.args[1], a.args[2], scope);
      case 'list': {
        const items = a.args.map((x) => this.lower(x, scope));
        const bad = items.find((i) => !i.isConst);
        if (bad) throw unsupported('list literals with non-constant elements', bad);
        const first = items[0];
        if (first && !isScalar(first.ty)) throw unsupported('list literals of lists or objects', a);
        return { ...this.base(a, { k: 'list', of: first?.ty ?? T_STR }, true), op: 'listLit', items };
      }
      case 'map': throw unsupported('map literals ({...})', a);
      case '?:': {
        const test = this.expect(this.lower(a.args[0], scope), (t) => t.k === 'bool', 'a bool');
        let then = this.lower(a.args[1], scope);
        let els = this.lower(a.args[2], scope);
        [then, els] = this.promote(then, els);
        if (!sameKind(then.ty, els.ty)) throw this.err(`both branches of ?: must have the same type (${tyName(then.ty)} vs ${tyName(els.ty)})`, a);
        return { ...this.base(a, then.ty, test.isConst && then.isConst && els.isConst), op: 'cond', test, then, else: els };
      }
      case '||':
      case '&&': {
        const left = this.expect(this.lower(a.args[0], scope), (t) => t.k === 'bool', 'a bool');
        const right = this.expect(this.lower(a.args[1], scope), (t) => t.k === 'bool', 'a bool');
        return { ...this.base(a, T_BOOL, left.isConst && right.isConst), op: a.op === '&&' ? 'and' : 'or', left, right };
      }
      case '!_': {
        const arg = this.expect(this.lower(a.args, scope), (t) => t.k === 'bool', 'a bool');
        return { ...this.base(a, T_BOOL, arg.isConst), op: 'not', arg };
      }
      case '-_': {
        const arg = this.expect(this.lower(a.args, scope), isNumeric, 'a number');
        if (arg.op === 'lit' && typeof arg.value === 'bigint') return { ...this.base(a, T_INT, true), op: 'lit', value: -arg.value };
        if (arg.op === 'lit' && arg.value instanceof Decimal) return { ...this.base(a, T_NUM, true), op: 'lit', value: arg.value.neg() };
        return { ...this.base(a, arg.ty, arg.isConst), op: 'neg', arg };
      }
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return this.arith(a, a.op, a.args, scope);
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.compare(a, a.op, a.args, scope);
      case 'in': {
        const elem = this.lower(a.args[0], scope);
        const list = this.lower(a.args[1], scope);
        if (list.ty.k !== 'list') throw unsupported(`"in" on a ${tyName(list.ty)} (only lists)`, a);
        if (!isScalar(elem.ty)) throw unsupported('"in" with lists or objects as elements', a);
        let listNode = list;
        if (list.op === 'listLit' && list.items.length === 0) listNode = { ...list, ty: { k: 'list', of: elem.ty } };
        else if (!sameKind(elem.ty, list.ty.of)) throw this.err(`${elem.text} is ${tyName(elem.ty)} but ${list.text} holds ${tyName(list.ty.of)}`, a);
        if (list.op === 'listLit') for (const item of list.items) this.checkLiteralAgainst(elem, item);
        return { ...this.base(a, T_BOOL, elem.isConst && list.isConst), op: 'in', elem, list: listNode };
      }
    }
  }

  private literal(a: ASTNode & { op: 'value' }): IrNode {
    const v = a.args;
    if (typeof v === 'bigint') return { ...this.base(a, T_INT, true), op: 'lit', value: v };
    if (typeof v === 'number') {
      const d = Decimal.parse(this.src.slice(a.start, a.end)) ?? Decimal.fromNumber(v);
      return { ...this.base(a, T_NUM, true), op: 'lit', value: d };
    }
    if (typeof v === 'string') {
      if (v.includes('\u0000')) throw this.err('strings must not contain the NUL character', a);
      return { ...this.base(a, T_STR, true), op: 'lit', value: v };
    }
    if (typeof v === 'boolean') return { ...this.base(a, T_BOOL, true), op: 'lit', value: v };
    if (v === null) throw unsupported('null', a);
    if (v instanceof Uint8Array) throw unsupported('bytes literals', a);
    throw unsupported('unsigned integers (123u)', a);
  }

  private ident(a: ASTNode & { op: 'id' }, scope: Scope): IrNode {
    const name = a.args;
    const bound = scope.get(name);
    if (bound) return { ...this.base(a, bound, false), op: 'var', name };
    if (name === 'on') return { ...this.base(a, T_DATE, true), op: 'on' };
    if (name === this.ctx.entity) return { ...this.base(a, this.ctx.inputType, false), op: 'root' };
    if (name === 'params') throw this.err('use params.<name> to read a parameter', a);
    throw this.err(`unknown name ${name}`, a);
  }

  private select(a: ASTNode & { op: '.' }, scope: Scope): IrNode {
    const [objAst, name] = a.args;
    if (objAst.op === 'id' && objAst.args === 'params' && !scope.has('params')) {
      const p = this.ctx.params[name];
      if (!p) throw this.err(`unknown parameter params.${name}`, a);
      return { ...this.base(a, p.ty, true), op: 'param', name };
    }
    const obj = this.lower(objAst, scope);
    if (obj.ty.k !== 'object') throw unsupported(`field selection on a ${tyName(obj.ty)}`, a);
    const f = obj.ty.fields[name];
    if (!f) throw this.err(`${obj.text} has no field ${name}; fields: ${Object.keys(obj.ty.fields).join(', ')}`, a);
    return { ...this.base(a, f.ty, obj.isConst), op: 'field', obj, name, optional: f.optional };
  }

  private arith(a: ASTNode, op: ArithFn, args: readonly [ASTNode, ASTNode], scope: Scope): IrNode {
    let left = this.lower(args[0], scope);
    let right = this.lower(args[1], scope);
    const isConst = left.isConst && right.isConst;
    if (op === '+' && left.ty.k === 'string' && right.ty.k === 'string') {
      return { ...this.base(a, T_STR, isConst), op: 'concat', left, right };
    }
    if (!isNumeric(left.ty) || !isNumeric(right.ty)) {
      throw unsupported(`"${op}" on ${tyName(left.ty)} and ${tyName(right.ty)} (only numbers, and + on strings)`, a);
    }
    if (op === '%' && (left.ty.k !== 'int' || right.ty.k !== 'int')) throw this.err('% is defined for ints only', a);
    [left, right] = this.promote(left, right);
    return { ...this.base(a, left.ty, isConst), op: 'arith', fn: op, left, right };
  }

  private compare(a: ASTNode, op: CmpFn, args: readonly [ASTNode, ASTNode], scope: Scope): IrNode {
    let left = this.lower(args[0], scope);
    let right = this.lower(args[1], scope);
    if (!isScalar(left.ty) || !isScalar(right.ty)) throw unsupported('comparing lists or objects', a);
    [left, right] = this.promote(left, right);
    if (left.ty.k !== right.ty.k) throw this.err(`cannot compare ${tyName(left.ty)} with ${tyName(right.ty)}`, a);
    this.checkLiteralAgainst(left, right);
    this.checkLiteralAgainst(right, left);
    return { ...this.base(a, T_BOOL, left.isConst && right.isConst), op: 'cmp', fn: op, left, right };
  }

  private mk(a: ASTNode, fn: CallFn, args: IrNode[], ty: Ty): IrNode {
    return { ...this.base(a, ty, args.every((x) => x.isConst)), op: 'call', fn, args };
  }

  private call(a: ASTNode, name: string, argAsts: readonly ASTNode[], scope: Scope): IrNode {
    if (name === 'has') {
      const sel = argAsts[0];
      if (!sel || sel.op !== '.') throw this.err('has() takes a field, like has(person.disability)', a);
      const obj = this.lower(sel.args[0], scope);
      if (obj.ty.k !== 'object' || !obj.ty.fields[sel.args[1]]) throw this.err(`${sel.input.slice(sel.start, sel.end)} is not a known field`, sel);
      return { ...this.base(a, T_BOOL, obj.isConst), op: 'has', obj, name: sel.args[1] };
    }
    if (name === 'timestamp') {
      const lit = argAsts[0];
      if (argAsts.length !== 1 || !lit || lit.op !== 'value' || typeof lit.args !== 'string') {
        throw unsupported('timestamp() of anything but a string literal', a);
      }
      const inst = parseDatetime(lit.args);
      if (!inst) throw this.err(`timestamp("${lit.args}") needs a datetime like 2026-05-01T10:00:00+08:00`, lit);
      return { ...this.base(a, { k: 'timestamp' }, true), op: 'lit', value: new Instant(inst.ms, lit.args) };
    }
    const args = argAsts.map((x) => this.lower(x, scope));
    const arg0 = args[0];
    const arity = (n: number): void => {
      if (args.length !== n) throw this.err(`${name}() takes ${n} argument${n === 1 ? '' : 's'}`, a);
    };
    switch (name) {
      case 'age':
      case 'days':
        arity(2);
        return this.mk(a, name, args.map((x) => this.dateArg(x, name)), T_INT);
      case 'date':
        arity(1);
        this.expect(args[0] as IrNode, (t) => t.k === 'timestamp', 'a datetime');
        return this.mk(a, 'date', args, T_DATE);
      case 'min':
      case 'max': {
        arity(2);
        for (const x of args) this.expect(x, isNumeric, 'a number');
        const [l, r] = this.promote(args[0] as IrNode, args[1] as IrNode);
        return this.mk(a, name, [l, r], l.ty);
      }
      case 'ceil':
      case 'floor':
        arity(1);
        return this.mk(a, name, [this.toNumber(this.expect(arg0 as IrNode, isNumeric, 'a number'))], T_NUM);
      case 'round': {
        if (args.length !== 1 && args.length !== 2) throw this.err('round() takes a number and optionally a count of decimals', a);
        const x = this.toNumber(this.expect(arg0 as IrNode, isNumeric, 'a number'));
        const digits = args[1];
        if (digits && !(digits.op === 'lit' && typeof digits.value === 'bigint' && digits.value >= 0n && digits.value <= 10n)) {
          throw this.err('the decimals of round(x, n) must be a literal 0..10', digits);
        }
        return this.mk(a, 'round', digits ? [x, digits] : [x], T_NUM);
      }
      case 'abs':
        arity(1);
        return this.mk(a, 'abs', args, this.expect(arg0 as IrNode, isNumeric, 'a number').ty);
      case 'size':
        arity(1);
        return this.size(a, arg0 as IrNode);
      case 'double':
        arity(1);
        if ((arg0 as IrNode).ty.k === 'number') return arg0 as IrNode;
        if ((arg0 as IrNode).ty.k === 'int') return this.mk(a, 'toNumber', args, T_NUM);
        throw unsupported(`double() of a ${tyName((arg0 as IrNode).ty)}`, a);
      case 'int':
        arity(1);
        if ((arg0 as IrNode).ty.k === 'int') return arg0 as IrNode;
        if ((arg0 as IrNode).ty.k === 'number') return this.mk(a, 'toInt', args, T_INT);
        throw unsupported(`int() of a ${tyName((arg0 as IrNode).ty)}`, a);
      case 'string':
        arity(1);
        if ((arg0 as IrNode).ty.k === 'string') return arg0 as IrNode;
        if ((arg0 as IrNode).ty.k === 'int') return this.mk(a, 'toString', args, T_STR);
        throw unsupported(`string() of a ${tyName((arg0 as IrNode).ty)}`, a);
      default:
        throw unsupported(`function ${name}()`, a);
    }
  }

  private size(a: ASTNode, x: IrNode): IrNode {
    if (x.ty.k !== 'string' && x.ty.k !== 'list') throw unsupported(`size() of a ${tyName(x.ty)}`, a);
    return this.mk(a, 'size', [x], T_INT);
  }

  private method(a: ASTNode, name: string, recvAst: ASTNode, argAsts: readonly ASTNode[], scope: Scope): IrNode {
    if (name === 'bind' && recvAst.op === 'id' && recvAst.args === 'cel') throw unsupported('cel.bind', a);
    if (name === 'matches') throw unsupported('regular expressions (matches)', a);
    const recv = this.lower(recvAst, scope);
    if (name === 'exists' || name === 'all' || name === 'exists_one' || name === 'filter' || name === 'map') {
      if (recv.ty.k !== 'list') throw unsupported(`.${name}() on a ${tyName(recv.ty)}`, a);
      if (argAsts.length !== 2) throw unsupported(`.${name}() with ${argAsts.length} arguments`, a);
      const [vAst, bodyAst] = argAsts as [ASTNode, ASTNode];
      if (vAst.op !== 'id') throw this.err(`the first argument of .${name}() must be a variable name`, vAst);
      const v = vAst.args;
      if (v === 'on' || v === 'params' || v === this.ctx.entity) throw this.err(`${v} cannot be used as a variable name`, vAst);
      const inner = new Map(scope);
      inner.set(v, recv.ty.of);
      const body = this.lower(bodyAst, inner);
      let ty: Ty = T_BOOL;
      if (name === 'filter') ty = recv.ty;
      else if (name === 'map') {
        if (body.ty.k === 'list') throw unsupported('.map() to lists', a);
        ty = { k: 'list', of: body.ty };
      } else this.expect(body, (t) => t.k === 'bool', 'a bool');
      if (name === 'filter') this.expect(body, (t) => t.k === 'bool', 'a bool');
      return { ...this.base(a, ty, recv.isConst && body.isConst), op: 'macro', fn: name, list: recv, v, body };
    }
    const args = argAsts.map((x) => this.lower(x, scope));
    switch (name) {
      case 'size':
        if (args.length) throw this.err('.size() takes no arguments', a);
        return this.size(a, recv);
      case 'startsWith':
      case 'endsWith':
      case 'contains':
        this.expect(recv, (t) => t.k === 'string', 'a string');
        if (args.length !== 1) throw this.err(`.${name}() takes 1 argument`, a);
        this.expect(args[0] as IrNode, (t) => t.k === 'string', 'a string');
        return this.mk(a, name, [recv, args[0] as IrNode], T_BOOL);
      case 'sum':
        if (recv.ty.k !== 'list' || !isNumeric(recv.ty.of)) throw this.err('.sum() needs a list of numbers', a);
        if (args.length) throw this.err('.sum() takes no arguments', a);
        return this.mk(a, 'sum', [recv], recv.ty.of);
      default:
        throw unsupported(`method .${name}()`, a);
    }
  }
}

