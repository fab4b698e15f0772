/**
 * A small stale-while-revalidate cache for the public tracker's read model (bench/portal.ts, issue 7).
 *
 * A value younger than `freshMs` is served as is. An older one is STILL served, at once, while one
 * rebuild runs in the background; the next callers get the new value when it lands. Only a key
 * never loaded (or cleared) makes callers wait, and concurrent callers share that one load.
 * Why: with a plain expiry every portal request that arrives while the view is rebuilt (a handful of
 * queries, every couple of seconds) waits for the rebuild, which is the tail of the latency under
 * load; the freshness is the same (a value is at most `freshMs` + one rebuild old). `clear()` is
 * what local writes call (publishing a report, moderating a suggestion), so they are visible at
 * once. A failed background rebuild keeps the old value and is retried by the next caller; a failed
 * first load is not kept.
 */
export class RefreshingCache<K, V> {
  private readonly entries = new Map<K, { at: number; value?: V; pending?: Promise<V>; generation: number }>();
  private generation = 0;

  constructor(private readonly freshMs: number, private readonly now: () => number = Date.now) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const e = this.entries.get(key);
    if (e && 'value' in e) {
      if (this.now() - e.at >= this.freshMs && !e.pending) e.pending = this.refresh(key, load);
      return Promise.resolve(e.value as V);
    }
    if (e?.pending) return e.pending;
    const entry: { at: number; value?: V; pending?: Promise<V>; generation: number } = { at: this.now(), generation: this.generation };
    this.entries.set(key, entry);
    const pending = load().then((value) => {
      if (this.entries.get(key) === entry) { entry.value = value; entry.at = this.now(); delete entry.pending; }
      return value;
    }, (err: unknown) => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw err;
    });
    entry.pending = pending;
    return pending;
  }

  clear(): void {
    this.entries.clear();
    this.generation += 1;
  }

  private refresh(key: K, load: () => Promise<V>): Promise<V> {
    const generation = this.generation;
    const p = load();
    p.then((value) => {
      const e = this.entries.get(key);
      // A clear() during the rebuild wins: the rebuild may have read data from before the write.
      if (e && e.generation === generation && this.generation === generation) { e.value = value; e.at = this.now(); delete e.pending; }
    }, () => {
      const e = this.entries.get(key);
      if (e && e.generation === generation) delete e.pending;
    });
    return p;
  }
}
