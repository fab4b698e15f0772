/**
 * The citizen IDs already seen in a file, with the row each was first seen on, in about 24 bytes
 * per ID (a Map of strings would take 3–4 times that on a million-row file). An ID is packed into
 * one exactly representable number: address code, days since 1900-01-01 and sequence number; the
 * check character follows from the rest, so valid IDs never collide.
 */
const DAY = 86_400_000;
const EPOCH_1900 = Date.UTC(1900, 0, 1);

/** The packed form of a valid citizen ID (format and date already checked). */
export function packCitizenId(id: string): number {
  const address = Number(id.slice(0, 6));
  const days = Math.round((Date.UTC(Number(id.slice(6, 10)), Number(id.slice(10, 12)) - 1, Number(id.slice(12, 14))) - EPOCH_1900) / DAY);
  const seq = Number(id.slice(14, 17));
  // 999999 * 65536 * 1000 < 2^53
  return (address * 65_536 + days) * 1000 + seq + 1;
}

export class IdSet {
  private keys: Float64Array;
  private rows: Int32Array;
  private count = 0;

  constructor(capacity = 1 << 12) {
    this.keys = new Float64Array(capacity);
    this.rows = new Int32Array(capacity);
  }

  get size(): number { return this.count; }

  /** Adds the ID with its row; answers the row it was first seen on if it was already there. */
  addOrGet(id: string, row: number): number | undefined {
    return this.addKey(packCitizenId(id), row);
  }

  /** The row the ID was first seen on, if it was. */
  get(id: string): number | undefined {
    const key = packCitizenId(id);
    const mask = this.keys.length - 1;
    let i = hash(key) & mask;
    for (;;) {
      const k = this.keys[i]!;
      if (k === 0) return undefined;
      if (k === key) return this.rows[i];
      i = (i + 1) & mask;
    }
  }

  private addKey(key: number, row: number): number | undefined {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    let i = hash(key) & mask;
    for (;;) {
      const k = this.keys[i]!;
      if (k === 0) { this.keys[i] = key; this.rows[i] = row; this.count++; return undefined; }
      if (k === key) return this.rows[i];
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const { keys, rows } = this;
    this.keys = new Float64Array(keys.length * 2);
    this.rows = new Int32Array(keys.length * 2);
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 0) this.addKey(keys[i]!, rows[i]!);
  }
}

function hash(key: number): number {
  const lo = key % 4_294_967_296 | 0;
  const hi = (key / 4_294_967_296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
