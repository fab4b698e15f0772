/**
 * How the built console and portal are served: hashed assets compressed for browsers that accept
 * it (what a resident's phone downloads) and cached for good; pages themselves never cached stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../server/src/testing/app.ts';
import { buildWebIfStale, root } from './harness.ts';

describe('web assets', () => {
  let t: TestApp;
  beforeAll(async () => {
    buildWebIfStale();
    t = await testApp();
  }, 300_000);
  afterAll(async () => { await t?.close(); });

  const portalScript = async (): Promise<string> => {
    const html = await t.app.inject('/portal');
    expect(html.statusCode).toBe(200);
    const src = /<script type="module"[^>]*src="(\/assets\/[^"]+\.js)"/.exec(html.body)?.[1];
    expect(src).toBeDefined();
    return src!;
  };

  it('sends the portal script brotli- or gzip-compressed as the browser accepts, identical once decoded', async () => {
    const src = await portalScript();
    const raw = fs.readFileSync(path.join(root, 'web/dist', src));
    const br = await t.app.inject({ url: src, headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.rawPayload.length).toBeLessThan(raw.length / 2);
    expect(zlib.brotliDecompressSync(br.rawPayload).equals(raw)).toBe(true);
    const gz = await t.app.inject({ url: src, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.rawPayload).equals(raw)).toBe(true);
    const plain = await t.app.inject({ url: src });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.equals(raw)).toBe(true);
  });

  it('hashed assets are cached for good; the pages that name them are not', async () => {
    const src = await portalScript();
    expect((await t.app.inject(src)).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    for (const page of ['/portal', '/', '/persons']) {
      expect((await t.app.inject(page)).headers['cache-control'] ?? '', page).not.toContain('immutable');
    }
  });
});
