/** The `minsheng` command line: serve, demo, import. */
import { Command, InvalidArgumentError } from 'commander';
import { createApp } from './app.ts';
import { loadConfig } from './platform/config.ts';
import { bootContext } from './platform/boot.ts';
import { registerImportCommand } from './modules/imports/cli.ts';
import { registerDemoCommand, ensureDemoCity } from './modules/demo/cli.ts';
import { registerAdminCommand } from './modules/accounts/cli.ts';
import { registerPolicyCommand } from './modules/policy/cli.ts';
import { registerWorkOrderCommand } from './modules/workorders/cli.ts';
import { registerMonitoringCommand } from './modules/monitoring/cli.ts';
import { registerEldercareCommand } from './modules/eldercare/cli.ts';
import { registerProjectCommand } from './modules/projects/cli.ts';
import { startBackground } from './background.ts';
import { ensureDemoAccounts } from './modules/accounts/demo-accounts.ts';
import { countActiveAdmins } from './modules/accounts/service.ts';

export const intArg = (name: string) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number, got "${v}"`);
  return n;
};

const program = new Command('minsheng').description('Minsheng 民生 — the livelihood safety-net platform');

program.command('serve').description('start the HTTP API, console and device ingest')
  .action(async () => {
    const config = loadConfig();
    const { ctx, close } = await bootContext(config);
    if (config.demo) {
      await ensureDemoCity(ctx, config);
      const created = await ensureDemoAccounts(ctx.db);
      if (created.length > 0) console.log(`demo accounts created: ${created.join(', ')} (password in README.md)`);
    } else if ((await countActiveAdmins(ctx.db)) === 0) {
      await close();
      console.error('No administrator exists. Create one first:\n  npx minsheng admin create --username <name>\n(the password is asked for, or read from MINSHENG_ADMIN_PASSWORD)');
      process.exit(1);
    }
    const app = await createApp(ctx);
    const stopBackground = await startBackground(ctx);
    const shutdown = async (): Promise<void> => { await app.close(); await stopBackground(); await close(); process.exit(0); };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
    await app.listen({ port: config.port, host: config.host });
    const port = (app.server.address() as { port: number }).port;
    console.log(`Minsheng ${ctx.version} on http://localhost:${port}  (db: ${ctx.db.kind}, mqtt: ${ctx.mqtt.mode} ${ctx.mqtt.url})`);
  });

registerImportCommand(program);
registerAdminCommand(program);
registerDemoCommand(program);
registerPolicyCommand(program);
registerWorkOrderCommand(program);
registerMonitoringCommand(program);
registerEldercareCommand(program);
registerProjectCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
