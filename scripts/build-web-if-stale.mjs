#!/usr/bin/env node
// Builds the web console unless web/dist is newer than every source file, so `npm start`
// works on a fresh clone and restarts stay fast.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'web/dist/index.html');
const newest = (dir) => fs.readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
  const p = path.join(dir, e.name);
  return Math.max(max, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
}, 0);
const sources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'packages/contracts/src']
  .map((p) => path.join(root, p)).filter((p) => fs.existsSync(p))
  .map((p) => (fs.statSync(p).isDirectory() ? newest(p) : fs.statSync(p).mtimeMs));
if (fs.existsSync(dist) && fs.statSync(dist).mtimeMs >= Math.max(...sources)) {
  console.log('web console is up to date');
} else {
  console.log('building the web console…');
  execSync('npm run build -w web', { cwd: root, stdio: 'inherit' });
}
