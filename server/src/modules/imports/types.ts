/** Shapes shared by the import layers: a rejected row, one kind's importer, the run's settings. */
import type { ImportKind } from '@minsheng/contracts';
import type { Scope } from '../../platform/auth/scope.ts';
import type { Actor } from '../../platform/context.ts';
import type { Queryable } from '../../platform/db.ts';
import type { HeaderMap } from './headers.ts';
import type { SheetRow } from './source.ts';

/** A row that is not stored: where, which field, why, and the row as it was in the file. */
export interface RowReject { row: number; field: string; message: string; cells: readonly string[] }

export interface BatchOutcome { accepted: number; rejects: RowReject[] }

export interface ImportSettings {
  kind: ImportKind;
  actor: Actor;
  /** Rows whose records lie outside this region subtree are rejected. */
  scope: Scope;
  /** Kept as the change reason on every record the import writes. */
  reason: string;
  /** XLSX files: plain numbers in date columns are Excel serial days. */
  excelSerials: boolean;
  today: Date;
}

/**
 * One kind of import, in three steps per batch:
 * - `prepare`: CPU only, each row on its own (runs while earlier batches are being written);
 * - `decide` (optional): the checks that read the database (reference codes, duplicates in the
 *   file), in file order, outside the write transaction;
 * - `commit`: the writes, inside the batch's transaction. With `parallelWrites`, up to two batches
 *   are written at once (on PostgreSQL), so `commit` must not depend on earlier batches.
 */
export interface KindImporter<P, D = P> {
  prepare(rows: readonly SheetRow[]): P;
  decide?(db: Queryable, prepared: P): Promise<D>;
  commit(tx: Queryable, decided: D): Promise<BatchOutcome>;
  parallelWrites?: boolean;
  /** When set, a batch is only cut where this changes (a household's rows stay together). */
  groupKey?(row: SheetRow): string;
}

export type ImporterFactory = (settings: ImportSettings, header: HeaderMap) => KindImporter<unknown, unknown>;
