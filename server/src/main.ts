/** The `minsheng` command line: serve, demo, import. */
import { Command, InvalidArgumentError } from 'commander';
import { createApp } from './app.ts';
import { loadConfig } from './platform/config.ts';
import { bootContext } from './platform/boot.ts';
import { registerImportCommand } from './modules/imports/cli.ts';
import { registerDemoCommand, ensureDemoCity } from './modules/demo/cli.ts';

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
    await ensureDemoCity(ctx, config);
    const app = await createApp(ctx);
    const shutdown = async (): Promise<void> => { await app.close(); await close(); process.exit(0); };
    process.once('SIGINT', () => void shutdown());
    process.once('SIGTERM', () => void shutdown());
    await app.listen({ port: config.port, host: config.host });
    const port = (app.server.address() as { port: number }).port;
    console.log(`Minsheng ${ctx.version} on http://localhost:${port}  (db: ${ctx.db.kind}, mqtt: ${ctx.mqtt.mode} ${ctx.mqtt.url})`);
  });

registerImportCommand(program);
registerDemoCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
