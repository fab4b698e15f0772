/**
 * One error type for the whole server. `code` maps to an HTTP status in one place
 * (http.ts); `details.field` (and `details.row` for files) name what is wrong.
 */
export type ErrorCode =
  | 'bad_request' | 'validation' | 'unauthenticated' | 'forbidden' | 'not_found'
  | 'conflict' | 'too_large' | 'rate_limited' | 'unsupported_media' | 'internal';

export interface ErrorDetails { field?: string; row?: number; [key: string]: unknown }

export class AppError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly details: ErrorDetails = {}) {
    super(message);
    this.name = 'AppError';
  }
}

export const httpStatusOf: Record<ErrorCode, number> = {
  bad_request: 400, validation: 422, unauthenticated: 401, forbidden: 403, not_found: 404,
  conflict: 409, too_large: 413, rate_limited: 429, unsupported_media: 415, internal: 500,
};

export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found`);
