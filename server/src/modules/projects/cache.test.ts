/** The tracker's stale-while-revalidate cache: no portal request waits for a periodic rebuild, and a local write is visible at once. */
import { describe, expect, it } from 'vitest';
import { RefreshingCache } from './cache.ts';

/** A load whose answers the test releases by hand, counting calls. */
function loader() {
  const calls: Array<{ resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  const load = (): Promise<string> => new Promise<string>((resolve, reject) => { calls.push({ resolve, reject }); });
  return { calls, load };
}
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('RefreshingCache', () => {
  it('makes concurrent first callers share one load, then serves the value without loading while fresh', async () => {
    let now = 0;
    const c = new RefreshingCache<number, string>(2000, () => now);
    const l = loader();
    const a = c.get(2026, l.load);
    const b = c.get(2026, l.load);
    expect(l.calls).toHaveLength(1);
    l.calls[0]!.resolve('v1');
    expect(await a).toBe('v1');
    expect(await b).toBe('v1');
    now = 1999;
    expect(await c.get(2026, l.load)).toBe('v1');
    expect(l.calls).toHaveLength(1);
  });

  it('answers at once with the old value while ONE rebuild runs after expiry, then with the new one', async () => {
    let now = 0;
    const c = new RefreshingCache<number, string>(2000, () => now);
    const l = loader();
    const first = c.get(2026, l.load);
    l.calls[0]!.resolve('v1');
    await first;
    now = 2500;
    // Many requests arrive while the rebuild is slow: none waits, one rebuild only.
    const during = await Promise.all([c.get(2026, l.load), c.get(2026, l.load), c.get(2026, l.load)]);
    expect(during).toEqual(['v1', 'v1', 'v1']);
    expect(l.calls).toHaveLength(2);
    l.calls[1]!.resolve('v2');
    await tick();
    expect(await c.get(2026, l.load)).toBe('v2');
    expect(l.calls).toHaveLength(2); // fresh again from the rebuild's time
  });

  it('after clear() (a local write) callers wait for a new load, and a rebuild begun before the write does not win', async () => {
    let now = 0;
    const c = new RefreshingCache<number, string>(2000, () => now);
    const l = loader();
    const first = c.get(2026, l.load);
    l.calls[0]!.resolve('before');
    await first;
    now = 3000;
    expect(await c.get(2026, l.load)).toBe('before'); // starts a background rebuild (calls[1])
    c.clear();
    const after = c.get(2026, l.load); // must not be 'before'
    expect(l.calls).toHaveLength(3);
    l.calls[2]!.resolve('after write');
    expect(await after).toBe('after write');
    l.calls[1]!.resolve('stale rebuild'); // lands last, read before the write
    await tick();
    expect(await c.get(2026, l.load)).toBe('after write');
  });

  it('does not keep a failed first load, and keeps the old value when a rebuild fails (retried by the next caller)', async () => {
    let now = 0;
    const c = new RefreshingCache<number, string>(2000, () => now);
    const l = loader();
    const failed = c.get(2026, l.load);
    l.calls[0]!.reject(new Error('db down'));
    await expect(failed).rejects.toThrow('db down');
    const ok = c.get(2026, l.load);
    expect(l.calls).toHaveLength(2);
    l.calls[1]!.resolve('v1');
    expect(await ok).toBe('v1');
    now = 5000;
    expect(await c.get(2026, l.load)).toBe('v1');
    l.calls[2]!.reject(new Error('timeout'));
    await tick();
    expect(await c.get(2026, l.load)).toBe('v1'); // old value still served, a new rebuild started
    expect(l.calls).toHaveLength(4);
    l.calls[3]!.resolve('v2');
    await tick();
    expect(await c.get(2026, l.load)).toBe('v2');
  });
});
