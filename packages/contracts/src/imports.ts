import { z } from 'zod';
import { ImportKind } from './enums.ts';

/** One rejected row: 1-based row number in the file (the header is row 1). */
export const RowError = z.object({ row: z.number().int(), field: z.string(), message: z.string() });
export type RowError = z.infer<typeof RowError>;

export const ImportResult = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  errors: z.array(RowError),
});
export type ImportResult = z.infer<typeof ImportResult>;

export const ImportJob = ImportResult.extend({
  id: z.number().int(),
  kind: z.enum(ImportKind),
  fileName: z.string(),
  encoding: z.string().nullable(),
  status: z.enum(['running', 'done', 'failed']),
  /** Data rows read so far. */
  processed: z.number().int(),
  /** Set when the whole file was refused (not a spreadsheet, missing headers...). */
  failure: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  startedBy: z.string(),
  /** Notes that did not stop the import, e.g. columns not recognised and ignored. */
  warnings: z.array(z.string()),
});
export type ImportJob = z.infer<typeof ImportJob>;
