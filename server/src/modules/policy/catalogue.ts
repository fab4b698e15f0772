/**
 * The policies the server knows: every `policies/**\/*.yaml` of the repository (except
 * `policies/monitoring/`, which holds monitoring rules, not benefit policies), loaded once at start
 * and again on `reload()`. A broken file is kept as load errors (file, line, column, message) and
 * never stops the other files from loading.
 *
 * A policy's public id is its path under `policies/` without `.yaml` (`tianjin/dibao`). Several
 * files may hold successive versions of one policy (same `id:` inside, disjoint periods); each
 * file's public id then answers for all of them and the date picks the version.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPolicy, inEffect, loadPolicies, RulesError, type LoadError, type Policy } from '@minsheng/rules';

export const DEFAULT_POLICY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../policies');
const SKIPPED = new Set(['monitoring']);

export interface CatalogueEntry {
  /** Path under policies/ without .yaml, e.g. `tianjin/dibao`. */
  id: string;
  policy: Policy;
}

function yamlFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!(rel === '' && SKIPPED.has(e.name))) walk(path.join(dir, e.name), r);
      } else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(r);
    }
  };
  walk(root, '');
  return out;
}

export class PolicyCatalogue {
  private entries: CatalogueEntry[] = [];
  private loadErrors: LoadError[] = [];
  loadedAt = '';

  constructor(readonly dir: string = process.env.MINSHENG_POLICY_DIR || DEFAULT_POLICY_DIR) {
    this.reload();
  }

  /** Reads every file again; the previous state is replaced only once all files are read. */
  reload(): { policies: number; errors: number } {
    const files: { name: string; text: string }[] = [];
    const errors: LoadError[] = [];
    for (const rel of yamlFiles(this.dir)) {
      try {
        files.push({ name: `policies/${rel}`, text: fs.readFileSync(path.join(this.dir, rel), 'utf8') });
      } catch (e) {
        errors.push({ file: `policies/${rel}`, line: 1, column: 1, message: `cannot read the file: ${(e as Error).message}` });
      }
    }
    const result = loadPolicies(files);
    this.entries = result.policies.map((policy) => ({ id: policy.file.replace(/^policies\//, '').replace(/\.ya?ml$/, ''), policy }));
    this.loadErrors = [...errors, ...result.errors];
    this.loadedAt = new Date().toISOString();
    return { policies: this.entries.length, errors: this.loadErrors.length };
  }

  get errors(): readonly LoadError[] { return this.loadErrors; }
  get all(): readonly CatalogueEntry[] { return this.entries; }

  /** All versions of the policy a public id (or the id written inside the file) names, oldest first. */
  versions(id: string): Policy[] {
    const entry = this.entries.find((e) => e.id === id) ?? this.entries.find((e) => e.policy.id === id);
    if (!entry) return [];
    return this.entries.filter((e) => e.policy.id === entry.policy.id).map((e) => e.policy).sort((a, b) => (a.effective.from < b.effective.from ? -1 : 1));
  }

  /** The public id of a loaded policy. */
  publicId(policy: Policy): string {
    return this.entries.find((e) => e.policy === policy)?.id ?? policy.id;
  }

  has(id: string): boolean { return this.versions(id).length > 0; }

  /**
   * The version in effect on a date (RulesError not_in_effect when none), or without a date the
   * one in effect today, else the latest.
   */
  get(id: string, on?: string): Policy {
    const versions = this.versions(id);
    if (versions.length === 0) {
      const broken = this.loadErrors.filter((e) => e.file === `policies/${id}.yaml`);
      const why = broken.length ? ` (the file has errors: ${broken[0]?.message})` : '';
      throw new RulesError('unknown_policy', `no policy ${id} is loaded${why}`, { policy: id });
    }
    if (on !== undefined) return findPolicy(versions, versions[0]?.id ?? id, on);
    const today = new Date().toISOString().slice(0, 10);
    return versions.find((p) => inEffect(p, today)) ?? (versions[versions.length - 1] as Policy);
  }
}
