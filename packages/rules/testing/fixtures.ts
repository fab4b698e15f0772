/** Reads the fixture policies (tests only: src/ itself does no I/O). */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicies, loadPolicy } from '../src/load.ts';
import type { Policy } from '../src/types.ts';

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function fixtureFiles(): { name: string; text: string }[] {
  return readdirSync(FIXTURE_DIR)
    .filter((n) => n.endsWith('.yaml'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(FIXTURE_DIR, name), 'utf8') }));
}

export function fixturePolicies(): Policy[] {
  const r = loadPolicies(fixtureFiles());
  if (r.errors.length > 0) throw new Error(`fixtures do not load: ${JSON.stringify(r.errors, null, 2)}`);
  return r.policies;
}

export function fixture(name: string): Policy {
  const text = readFileSync(join(FIXTURE_DIR, name), 'utf8');
  const r = loadPolicy(text, name);
  if (!r.ok) throw new Error(`${name} does not load: ${JSON.stringify(r.errors, null, 2)}`);
  return r.policy;
}

export const fixtureText = (name: string): string => readFileSync(join(FIXTURE_DIR, name), 'utf8');

/** testing/language*.yaml: every supported expression feature, for the JS == SQL property test. */
export function languagePolicies(): Policy[] {
  return ['language.yaml', 'language-outcomes.yaml'].map((file) => {
    const r = loadPolicy(readFileSync(join(dirname(fileURLToPath(import.meta.url)), file), 'utf8'), `testing/${file}`);
    if (!r.ok) throw new Error(`${file} does not load: ${JSON.stringify(r.errors, null, 2)}`);
    return r.policy;
  });
}

/**
 * The policies the repository ships (policies/**.yaml at the repo root), so that the property test
 * holds JS == SQL for every one of them. Files that do not load are left to policies/policies.test.ts.
 */
export function shippedPolicies(): Policy[] {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'policies');
  if (!existsSync(root)) return [];
  const files: { name: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.yaml')) files.push({ name: full.slice(root.length + 1), text: readFileSync(full, 'utf8') });
    }
  };
  walk(root);
  return loadPolicies(files).policies;
}
