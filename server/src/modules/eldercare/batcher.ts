/**
 * The ingest micro-batcher: messages handed in by many MQTT deliveries at once are written
 * together (ingestBatch), and each caller's promise settles only after its batch is stored, so the
 * caller acknowledges (PUBACK) after the write, as before. No timer: a batch starts as soon as the
 * previous one ends, so at a low rate a message waits for nothing, and under load the batch grows
 * by itself to what arrived during one write. SOS and falls skip the queue (the fast path): they
 * are stored and their alarm opened at once, alongside the batches.
 */
import type { Db } from '../../platform/db.ts';
import { ingest, type IncomingMessage, type IngestResult } from './ingest.ts';
import { ingestBatch } from './ingest-batch.ts';

/** A cheap look at the type: an instant event goes on the fast path (ingestBatch handles one that slips through correctly anyway). */
const INSTANT_HINT = /"type"\s*:\s*"(?:sos|fall)"/;

interface Waiting { m: IncomingMessage; resolve(r: IngestResult): void; reject(err: unknown): void }

export interface BatcherStats {
  batches: number; messages: number; fastPath: number; largest: number;
  /** The last few batches that took over 50 ms to store (when, ms since epoch; how long; how many messages): where a stall was. */
  slow: Array<{ at: number; ms: number; size: number }>;
}

export class IngestBatcher {
  private queue: Waiting[] = [];
  private running = 0;
  private scheduled = false;
  readonly stats: BatcherStats = { batches: 0, messages: 0, fastPath: 0, largest: 0, slow: [] };

  /** maxBatch bounds one statement; concurrency is how many batches may be written at once. */
  constructor(private readonly db: Db, private readonly opts: { maxBatch?: number; concurrency?: number } = {}) {}

  submit(m: IncomingMessage): Promise<IngestResult> {
    if (INSTANT_HINT.test(m.payload)) { this.stats.fastPath++; return ingest(this.db, m); }
    return new Promise<IngestResult>((resolve, reject) => {
      this.queue.push({ m, resolve, reject });
      // Collect what arrives in the same turn of the event loop before the first write.
      if (!this.scheduled && this.running < (this.opts.concurrency ?? 1)) { this.scheduled = true; setImmediate(() => { this.scheduled = false; this.pump(); }); }
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.running < (this.opts.concurrency ?? 1)) {
      const batch = this.queue.splice(0, this.opts.maxBatch ?? 1000);
      this.running++;
      this.stats.batches++;
      this.stats.messages += batch.length;
      this.stats.largest = Math.max(this.stats.largest, batch.length);
      const started = Date.now();
      ingestBatch(this.db, batch.map((w) => w.m))
        .then((results) => batch.forEach((w, i) => w.resolve(results[i]!)), (err: unknown) => batch.forEach((w) => w.reject(err)))
        // The next batch after a macrotask: the clients acknowledged just now hand over their next
        // message first (mqtt.js works through packets already received in process.nextTick).
        .finally(() => {
          const ms = Date.now() - started;
          if (ms > 50) { this.stats.slow.push({ at: started, ms, size: batch.length }); if (this.stats.slow.length > 50) this.stats.slow.shift(); }
          this.running--;
          setImmediate(() => this.pump());
        });
    }
  }
}

const batchers = new WeakMap<Db, IngestBatcher>();
/** One batcher per database per process: every ingest client of the process feeds the same batches. */
export function batcherFor(db: Db): IngestBatcher {
  let b = batchers.get(db);
  if (!b) { b = new IngestBatcher(db, { maxBatch: Number(process.env.MINSHENG_INGEST_MAX_BATCH || 1000), concurrency: Number(process.env.MINSHENG_INGEST_BATCH_CONCURRENCY || 1) }); batchers.set(db, b); }
  return b;
}
