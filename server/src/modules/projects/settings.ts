/**
 * The module's numbers (flag thresholds, upload limits, rate limits, complaint categories and
 * SLAs) as data: data/settings.yaml, validated on load. Nothing here is hard-coded policy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { z } from 'zod';

export const DATA_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');

const num = z.object({ value: z.number().nonnegative(), example: z.boolean() });
const Settings = z.object({
  flags: z.object({ offTrackGap: num }),
  evidence: z.object({ maxPhotoBytes: num, maxDocumentBytes: num }),
  rateLimits: z.object({ suggestionsPerMinute: num, complaintsPerMinute: num, ratingsPerMinute: num, ticketLookupsPerMinute: num, regionLookupsPerMinute: num }),
  complaints: z.object({
    categories: z.array(z.object({
      code: z.string().regex(/^[a-z-]{2,40}$/), label: z.string().min(1), labelEn: z.string().min(1),
      slaWorkingDays: z.number().int().min(1).max(60), example: z.boolean(),
    })).min(1),
  }),
});
export type Settings = z.infer<typeof Settings>;

let cached: Settings | undefined;

export function settings(): Settings {
  if (!cached) {
    const file = path.join(DATA_DIR, 'settings.yaml');
    const parsed = Settings.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    cached = parsed.data;
  }
  return cached;
}
