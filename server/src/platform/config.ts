import path from 'node:path';
import { z } from 'zod';

/** Settings come from the environment only; defaults give the embedded, zero-setup mode. */
const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  /** Owner role for migrations; the role in DATABASE_URL then gets no UPDATE/DELETE on the audit log. */
  MIGRATION_DATABASE_URL: z.string().url().optional(),
  MQTT_URL: z.string().url().optional(),
  /** Port of the embedded broker; never 1883, where a real broker may listen. */
  MQTT_PORT: z.coerce.number().int().min(0).max(65535).refine((p) => p !== 1883, 'MQTT_PORT must not be 1883').default(1884),
  /** Demo mode (demo city, later demo accounts): on by default only in the embedded mode. */
  DEMO: z.enum(['0', '1']).optional(),
  DEMO_PERSONS: z.coerce.number().int().min(0).default(20000),
  /** Mark cookies Secure (set when served over HTTPS behind a proxy). */
  COOKIE_SECURE: z.enum(['0', '1']).default('0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** SMS/voice gateway webhook: messages are POSTed there signed with HMAC-SHA256 (NOTIFY_WEBHOOK_SECRET). */
  NOTIFY_WEBHOOK_URL: z.string().url().optional(),
  NOTIFY_WEBHOOK_SECRET: z.string().min(16, 'NOTIFY_WEBHOOK_SECRET must have at least 16 characters').optional(),
  /** Address of this server as residents reach it (acknowledgement links in SMS). */
  PUBLIC_BASE_URL: z.string().url().optional(),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  migrationDatabaseUrl: string | undefined;
  mqttUrl: string | undefined;
  mqttPort: number;
  demo: boolean;
  demoPersons: number;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  cookieSecure: boolean;
  notifyWebhookUrl?: string | undefined;
  notifyWebhookSecret?: string | undefined;
  publicBaseUrl?: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid setting ${String(issue?.path[0] ?? '')}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT, host: e.HOST, dataDir: path.resolve(e.DATA_DIR), databaseUrl: e.DATABASE_URL, migrationDatabaseUrl: e.MIGRATION_DATABASE_URL,
    mqttUrl: e.MQTT_URL, mqttPort: e.MQTT_PORT,
    demo: e.DEMO === undefined ? e.DATABASE_URL === undefined : e.DEMO === '1', demoPersons: e.DEMO_PERSONS, logLevel: e.LOG_LEVEL, cookieSecure: e.COOKIE_SECURE === '1',
    notifyWebhookUrl: e.NOTIFY_WEBHOOK_URL, notifyWebhookSecret: e.NOTIFY_WEBHOOK_SECRET, publicBaseUrl: e.PUBLIC_BASE_URL,
    ...overrides,
  };
}
