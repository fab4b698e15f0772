/**
 * @minsheng/rules — policies as data. A policy is a YAML file (see README.md) whose conditions
 * and amounts are CEL expressions. The same policy is interpreted in JS with a full explanation
 * (`evaluate`) and compiled to one SQL query for batch runs (`compileToSql`). No I/O: callers
 * pass file text in, so this also runs in the browser.
 */
export { loadPolicy, loadPolicies, type LoadResult, type LoadManyResult } from './load.ts';
export {
  evaluate,
  findPolicy,
  inEffect,
  resolveParameters,
  citationText,
  EXAMPLE_CITATION,
  type Decision,
  type Reason,
  type TraceCondition,
  type TraceOutcome,
  type TraceParameter,
} from './evaluate.ts';
export { columnPlan, compileToSql, fenced, listAggregates, pruning, quote as sqlQuote, SQL_SESSION_SETTINGS, SQL_SETUP, type ColumnField, type ColumnList, type ColumnPlan, type Pruning, type SqlOptions } from './sql.ts';
export { runPolicyTests, runTestCase, formatTestReport, type PolicyTestReport, type TestResult, type TestDiff } from './tests.ts';
export { RulesError, formatLoadError, type LoadError, type RulesErrorCode } from './errors.ts';
export { Decimal } from './decimal.ts';
export type {
  Policy,
  Parameter,
  ParamValue,
  Condition,
  Outcome,
  NamedCase,
  Rounding,
  Citation,
  LocalText,
  TestCase,
  TestExpect,
  Ty,
  FieldDef,
  JsonValue,
  JsonObject,
} from './types.ts';
