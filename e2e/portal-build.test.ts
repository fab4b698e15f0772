/**
 * The residents' portal without a browser: its JavaScript budget (200 KB gzipped, no Ant Design),
 * the build-time shipping of the self-check policies (the revived policies decide exactly as the
 * loaded ones, on every test case of their files), and how the self-check reads a typed date.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, loadPolicies, type Policy } from '@minsheng/rules';
import { revive, ship } from '../web/src/portal/selfcheck/codec.ts';
import { SELF_CHECK_POLICIES } from '../web/portal-policies.ts';
import { normalDate } from '../web/src/portal/selfcheck/forms.ts';
import { buildWebIfStale, root } from './harness.ts';

const dist = path.join(root, 'web/dist');

/** Every JS file an html entry loads, statically or lazily, following imports between chunks. */
function scriptsOf(entry: 'portal.html' | 'index.html'): string[] {
  const html = fs.readFileSync(path.join(dist, entry), 'utf8');
  const queue = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
  const seen = new Set<string>();
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const js = fs.readFileSync(path.join(dist, file), 'utf8');
    for (const m of js.matchAll(/(?:from|import)\s*\(?\s*"\.\/([^"]+\.js)"/g)) queue.push(`assets/${m[1]}`);
  }
  return [...seen].sort();
}

describe('portal build', () => {
  beforeAll(() => buildWebIfStale(), 300_000);

  it('keeps the portal\'s JavaScript under 200 KB gzipped, sharing only React and the runtime with the console', () => {
    const files = scriptsOf('portal.html');
    const sizes = files.map((f) => ({ f, gz: zlib.gzipSync(fs.readFileSync(path.join(dist, f)), { level: 9 }).length }));
    const total = sizes.reduce((s, x) => s + x.gz, 0);
    console.log(`portal JS: ${sizes.map((x) => `${x.f} ${(x.gz / 1024).toFixed(1)} KB`).join(', ')}; total ${(total / 1024).toFixed(1)} KB gzipped`);
    expect(files.some((f) => f.includes('/portal-'))).toBe(true);
    expect(total).toBeLessThan(200 * 1024);
    for (const f of files) expect(fs.readFileSync(path.join(dist, f), 'utf8')).not.toMatch(/ant-btn|antd|ant-design/);
    // What the portal shares with the console is the React vendor chunk and the bundler's runtime, nothing else.
    const consoleFiles = new Set(scriptsOf('index.html'));
    for (const f of files.filter((x) => consoleFiles.has(x))) expect(f).toMatch(/^assets\/(react|rolldown-runtime|modulepreload-polyfill)-/);
  });

  it('ships the self-check policies so that the browser decides exactly as the server', () => {
    const files = SELF_CHECK_POLICIES.map((id) => ({ name: `policies/${id}.yaml`, text: fs.readFileSync(path.join(root, `policies/${id}.yaml`), 'utf8') }));
    const { policies, errors } = loadPolicies(files);
    expect(errors).toEqual([]);
    const decide = (p: Policy, input: unknown, on: string): unknown => {
      try { return evaluate(p, input, on); } catch (e) { return { error: (e as Error).message }; }
    };
    let cases = 0;
    for (const p of policies) {
      const shipped = revive(JSON.parse(JSON.stringify(ship('x', p))));
      expect(shipped.policy.tests).toEqual([]);
      for (const t of p.tests) {
        expect(decide(shipped.policy, t.input, t.on)).toEqual(decide(p, t.input, t.on));
        cases += 1;
      }
    }
    expect(cases).toBeGreaterThan(40);
  });

  it('reads a birth date the way people write it, and refuses a day that does not exist', () => {
    for (const text of ['1950-03-01', '1950.3.1', '1950/3/1', '1950年3月1日', ' 19500301 ', '1950 3 1']) expect(normalDate(text), text).toBe('1950-03-01');
    expect(normalDate('2028-02-29')).toBe('2028-02-29');
    for (const text of ['1950-02-30', '2027-02-29', '1950-13-01', '50-3-1', '三月一日', '', '1950-03']) expect(normalDate(text), text).toBeUndefined();
  });
});
