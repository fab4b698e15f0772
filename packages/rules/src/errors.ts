/** Errors of the rules package. Messages name the file, field or formula that is wrong. */

/** A problem found while loading a policy file; line and column are 1-based. */
export interface LoadError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export const formatLoadError = (e: LoadError): string => `${e.file}:${e.line}:${e.column}: ${e.message}`;

export type RulesErrorCode =
  | 'invalid_input' // the input does not match the policy's `inputs`
  | 'invalid_date' // the evaluation date is not a valid YYYY-MM-DD date
  | 'not_in_effect' // the evaluation date is outside the policy's effective period
  | 'unknown_policy'
  | 'evaluation_error'; // a formula failed: division by zero, a missing optional input, overflow

/** Thrown by evaluate/compileToSql for bad input or failing formulas; never for a policy file bug. */
export class RulesError extends Error {
  readonly code: RulesErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: RulesErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'RulesError';
    this.code = code;
    this.details = details;
  }
}

/** Thrown inside the interpreter; `&&`, `||` and the list macros may absorb it as CEL prescribes. */
export class CelFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CelFailure';
  }
}
