/** Reads the fixture policies (tests only: src/ itself does no I/O). */
import { readdirSync, readFileSync } from 'node:fs';
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
