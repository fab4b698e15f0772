/**
 * Vite plugin: `virtual:portal-policies` is the list of self-check policies, loaded and checked
 * from policies/*.yaml at build time with the rules package and shipped as tagged JSON (see
 * src/portal/selfcheck/codec.ts). A policy file with errors fails the build, so the portal never
 * ships a self-check the server would refuse. In `vite` dev, the plugin also routes /portal/* to
 * portal.html.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
// Relative imports: Vite bundles them into the config (a workspace package name would be loaded
// by Node as TypeScript, which Node 20 cannot run).
import { loadPolicies } from '../packages/rules/src/load.ts';
import { formatLoadError } from '../packages/rules/src/errors.ts';
import { ship } from './src/portal/selfcheck/codec.ts';

const POLICY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../policies');
/** The public self-check offers these policies (public ids, as GET /api/policies/:id names them). */
export const SELF_CHECK_POLICIES = [
  'tianjin/concentrated-care-subsidy',
  'tianjin/elder-alone-guard',
  'tianjin/trade-in-appliance-2026',
  'tianjin/trade-in-digital-2026',
  'tianjin/disability-living-allowance',
  'tianjin/severe-disability-care-allowance',
];

export function portalPolicies(): Plugin {
  const virtualId = 'virtual:portal-policies';
  const resolved = `\0${virtualId}`;
  return {
    name: 'minsheng-portal-policies',
    // `vite` dev server: /portal and /portal/* load portal.html, as the real server does.
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        if (req.url && /^\/portal(?:[/?#]|$)/.test(req.url)) req.url = '/portal.html';
        next();
      });
    },
    resolveId: (id) => (id === virtualId ? resolved : undefined),
    load(id) {
      if (id !== resolved) return undefined;
      const files = SELF_CHECK_POLICIES.map((p) => {
        const file = path.join(POLICY_DIR, `${p}.yaml`);
        this.addWatchFile(file);
        return { name: `policies/${p}.yaml`, text: fs.readFileSync(file, 'utf8') };
      });
      const { policies, errors } = loadPolicies(files);
      if (errors.length) throw new Error(`self-check policies do not load:\n${errors.map(formatLoadError).join('\n')}`);
      const shipped = SELF_CHECK_POLICIES.map((p) => {
        const policy = policies.find((x) => x.file === `policies/${p}.yaml`);
        if (!policy) throw new Error(`self-check policy ${p} did not load`);
        return ship(p, policy);
      });
      return `export default JSON.parse(${JSON.stringify(JSON.stringify(shipped))});`;
    },
  };
}
