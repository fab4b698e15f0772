#!/usr/bin/env node
// Runs the whole suite with vitest and ends with one plain line "N passed, N failed" read from
// vitest's JSON report; exits non-zero on any failure. Extra arguments go to vitest.
// On a real PostgreSQL (MINSHENG_TEST_DATABASE_URL) every test creates and drops its own
// databases: one the run created and left behind counts as a failure, named.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';

/** The test databases on the server (the names the test helpers give them), or [] without a server. */
async function testDatabases() {
  const url = process.env.MINSHENG_TEST_DATABASE_URL;
  if (!url) return [];
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname ~ '^minsheng_(t|e2e|rel|rules)_'`);
    return rows.map((r) => r.datname);
  } finally { await client.end(); }
}

const report = '.vitest-report.json';
fs.rmSync(report, { force: true });
const db = process.env.MINSHENG_TEST_DATABASE_URL ? 'postgres' : 'pglite';
console.log(`Running the suite on ${db} (mqtt: ${process.env.MINSHENG_TEST_MQTT_URL ? 'external' : 'embedded'})`);
const before = new Set(await testDatabases());
const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`, ...process.argv.slice(2)], { stdio: 'inherit' });
let passed = 0;
let failed = 0;
if (fs.existsSync(report)) {
  const json = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = (json.numFailedTests ?? 0) + (json.numRuntimeErrorTests ?? 0);
  // A file that failed without a failed test (it did not load, or its beforeAll threw and its tests
  // were skipped) counts as one failure: its tests did not run.
  for (const file of json.testResults ?? []) {
    if (file.status === 'failed' && !(file.assertionResults ?? []).some((a) => a.status === 'failed')) failed += 1;
  }
} else {
  failed = 1;
}
const left = (await testDatabases()).filter((d) => !before.has(d));
if (left.length > 0) {
  // (A suite run at the same time against the same server would show its databases here too.)
  console.log(`test databases left behind on ${db}: ${left.join(', ')}`);
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || run.status !== 0 ? 1 : 0);
