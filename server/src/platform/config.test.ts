import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';

describe('settings', () => {
  it('defaults to the embedded mode: port 8080, ./data, broker on 1884', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, dataDir: path.resolve('./data'), mqttPort: 1884, databaseUrl: undefined, mqttUrl: undefined });
  });
  it('takes PORT, DATA_DIR, DATABASE_URL and MQTT_URL from the environment', () => {
    const c = loadConfig({ PORT: '9000', DATA_DIR: '/tmp/x', DATABASE_URL: 'postgres://u@h:5432/d', MQTT_URL: 'mqtt://h:1883' });
    expect(c).toMatchObject({ port: 9000, dataDir: '/tmp/x', databaseUrl: 'postgres://u@h:5432/d', mqttUrl: 'mqtt://h:1883' });
  });
  it('is in demo mode in the embedded default only, unless DEMO says otherwise', () => {
    expect(loadConfig({}).demo).toBe(true);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/d' }).demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/d', DEMO: '1' }).demo).toBe(true);
    expect(loadConfig({ DEMO: '0' }).demo).toBe(false);
  });
  it('refuses to put the embedded broker on 1883 and names the bad setting', () => {
    expect(() => loadConfig({ MQTT_PORT: '1883' })).toThrow('Invalid setting MQTT_PORT');
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow('Invalid setting PORT');
  });
});
