import path from 'node:path';
import { z } from 'zod';

/** Settings come from the environment only; defaults give the embedded, zero-setup mode. */
const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  MQTT_URL: z.string().url().optional(),
  /** Port of the embedded broker; never 1883, where a real broker may listen. */
  MQTT_PORT: z.coerce.number().int().min(0).max(65535).refine((p) => p !== 1883, 'MQTT_PORT must not be 1883').default(1884),
  DEMO_PERSONS: z.coerce.number().int().min(0).default(20000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  mqttUrl: string | undefined;
  mqttPort: number;
  demoPersons: number;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid setting ${String(issue?.path[0] ?? '')}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT, host: e.HOST, dataDir: path.resolve(e.DATA_DIR), databaseUrl: e.DATABASE_URL,
    mqttUrl: e.MQTT_URL, mqttPort: e.MQTT_PORT, demoPersons: e.DEMO_PERSONS, logLevel: e.LOG_LEVEL,
    ...overrides,
  };
}
