/** Starting the platform: database, migrations, reference data, broker. Shared by serve and the CLI. */
import path from 'node:path';
import { VERSION } from '../app.ts';
import { seedRegions } from '../modules/regions/seed.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { openDb, type Db } from './db.ts';
import { grantAppRole, migrate } from './migrate.ts';
import { startMqtt, type MqttHandle } from './mqtt.ts';

/** Opens the configured database with its schema and the city's divisions in place. */
export async function openReadyDb(config: Config): Promise<Db> {
  if (config.databaseUrl && config.migrationDatabaseUrl) {
    // Migrate as the owner, then run as the application role with narrower rights.
    const owner = await openDb({ databaseUrl: config.migrationDatabaseUrl });
    try {
      await migrate(owner);
      await seedRegions(owner);
      await grantAppRole(owner, decodeURIComponent(new URL(config.databaseUrl).username));
    } finally {
      await owner.close();
    }
    return openDb({ databaseUrl: config.databaseUrl });
  }
  const db = await openDb({ databaseUrl: config.databaseUrl, pgliteDir: path.join(config.dataDir, 'pgdata') });
  await migrate(db);
  await seedRegions(db);
  return db;
}

export async function bootContext(config: Config, opts: { withMqtt?: boolean } = {}): Promise<{ ctx: AppContext; mqtt: MqttHandle | undefined; close(): Promise<void> }> {
  const db = await openReadyDb(config);
  const mqtt = opts.withMqtt === false ? undefined : await startMqtt({ url: config.mqttUrl, port: config.mqttPort });
  const ctx: AppContext = {
    db, config, version: VERSION,
    mqtt: mqtt ? { mode: mqtt.mode, url: mqtt.url } : { mode: config.mqttUrl ? 'external' : 'embedded', url: config.mqttUrl ?? '' },
  };
  return { ctx, mqtt, close: async () => { await mqtt?.close(); await db.close(); } };
}
