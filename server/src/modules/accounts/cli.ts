/** `minsheng admin create`: the first administrator of a production installation. */
import type { Command } from 'commander';
import { loadConfig } from '../../platform/config.ts';
import { bootContext } from '../../platform/boot.ts';
import { AppError } from '../../platform/errors.ts';
import { createUser } from './service.ts';

async function readPassword(): Promise<string> {
  if (process.env.MINSHENG_ADMIN_PASSWORD) return process.env.MINSHENG_ADMIN_PASSWORD;
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8').split('\n')[0]?.trim() ?? '';
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try { return (await rl.question('password (at least 10 characters): ')).trim(); } finally { rl.close(); }
}

export function registerAdminCommand(program: Command): void {
  program.command('admin').description('manage administrator accounts')
    .command('create').description('create a city administrator (password from MINSHENG_ADMIN_PASSWORD, stdin or a prompt)')
    .requiredOption('--username <name>', 'login name (3–40 lower-case letters, digits, . _ -)')
    .option('--name <displayName>', 'display name', '系统管理员')
    .option('--office <office>', 'office shown to residents', '市民政局')
    .option('--region <code>', 'city division code', '120000000000')
    .action(async (opts: { username: string; name: string; office: string; region: string }) => {
      const { ctx, close } = await bootContext(loadConfig(), { withMqtt: false });
      try {
        const user = await createUser(ctx.db, {
          username: opts.username, displayName: opts.name, office: opts.office, password: await readPassword(),
          roles: [{ role: 'city-admin', regionCode: opts.region, gridId: null }],
        }, 'cli');
        console.log(JSON.stringify({ created: user.username, id: user.id, roles: user.roles }));
      } catch (err) {
        console.error(err instanceof AppError ? `refused: ${err.message}` : err instanceof Error ? err.message : String(err));
        process.exitCode = 2;
      } finally {
        await close();
      }
    });
}
