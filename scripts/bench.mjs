#!/usr/bin/env node
// `npm run bench -- <name> [args]` runs bench/<name>.ts; without a name, lists them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const available = fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [options]`);
  process.exit(name ? 2 : 0);
}
const run = spawnSync('npx', ['tsx', path.join(root, 'bench', `${name}.ts`), ...rest], { stdio: 'inherit', cwd: root });
process.exit(run.status ?? 1);
