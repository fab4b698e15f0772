#!/usr/bin/env node
// Builds the web console unless web/dist is newer than every source file, so `npm start`
// works on a fresh clone and restarts stay fast. Several test workers may call this at once:
// a lock directory makes one build while the others wait and then find it fresh.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'web/dist/index.html');
const lock = path.join(root, 'web/.build-lock');
const newest = (dir) => fs.readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
  const p = path.join(dir, e.name);
  return Math.max(max, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
}, 0);
const fresh = () => {
  const sources = ['web/src', 'web/index.html', 'web/portal.html', 'web/vite.config.ts', 'packages/contracts/src', 'packages/rules/src', 'policies']
    .map((p) => path.join(root, p)).filter((p) => fs.existsSync(p))
    .map((p) => (fs.statSync(p).isDirectory() ? newest(p) : fs.statSync(p).mtimeMs));
  return fs.existsSync(dist) && fs.statSync(dist).mtimeMs >= Math.max(...sources);
};
/**
 * Brotli and gzip copies of the hashed assets beside them: the server sends them to browsers that
 * accept them (@fastify/static preCompressed), so the portal's ~116 KB of gzipped JavaScript is
 * what a phone downloads, not the ~415 KB raw.
 */
function precompress(dir) {
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    if (!/\.(js|css|svg|json)$/.test(name)) continue;
    const file = path.join(dir, name);
    const raw = fs.readFileSync(file);
    if (raw.length < 1024) continue;
    fs.writeFileSync(`${file}.gz`, zlib.gzipSync(raw, { level: 9 }));
    fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }));
  }
}
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const deadline = Date.now() + 10 * 60_000;
for (;;) {
  try { fs.mkdirSync(lock); break; } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    // A lock older than 10 minutes is left by a killed build.
    if (Date.now() - fs.statSync(lock).mtimeMs > 10 * 60_000) { fs.rmSync(lock, { recursive: true, force: true }); continue; }
    if (Date.now() > deadline) throw new Error('timed out waiting for another web build');
    sleep(500);
  }
}
try {
  if (fresh()) {
    console.log('web console is up to date');
  } else {
    console.log('building the web console…');
    execSync('npm run build -w web', { cwd: root, stdio: 'inherit' });
    precompress(path.join(root, 'web/dist/assets'));
  }
} finally {
  fs.rmSync(lock, { recursive: true, force: true });
}
