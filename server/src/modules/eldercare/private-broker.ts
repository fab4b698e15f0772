/**
 * A private Mosquitto on its own port, configuration file and persistence directory, for the tests
 * and the alarm bench (never the machine's broker on 1883): start, stop with SIGTERM (Mosquitto
 * then writes its persistence file), start again on the same port and directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The binary, also where root's PATH has /usr/sbin but a user's may not. */
export const mosquittoBin = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin']
  .map((d) => path.join(d, 'mosquitto')).find((f) => { try { fs.accessSync(f, fs.constants.X_OK); return true; } catch { return false; } });

export async function until(check: () => boolean | Promise<boolean>, what: string | (() => string), ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await check()) return; await new Promise((r) => setTimeout(r, 50)); }
  throw new Error(`timed out waiting: ${typeof what === 'string' ? what : what()}`);
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const accepts = (port: number): Promise<boolean> => new Promise((resolve) => {
  const c = net.connect(port, '127.0.0.1');
  c.once('connect', () => { c.destroy(); resolve(true); });
  c.once('error', () => resolve(false));
});

export class PrivateBroker {
  private child: ChildProcess | undefined;
  log = '';
  private constructor(readonly port: number, readonly dir: string, readonly confFile: string) {}

  /**
   * Writes the configuration (a listener on a free port, anonymous access, the given extra lines,
   * e.g. `persistence true` or `max_queued_messages 0`) into a fresh directory; not started yet.
   */
  static async create(lines: readonly string[]): Promise<PrivateBroker> {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'minsheng-broker-'));
    const conf = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(conf, [
      `listener ${port} 127.0.0.1`, 'allow_anonymous true', `persistence_location ${dir}/`, 'log_dest stderr', 'log_type error', 'log_type warning',
      // Run as root (CI), Mosquitto would switch to the 'mosquitto' user, who cannot write this directory.
      `user ${os.userInfo().username}`,
      ...lines,
    ].join('\n') + '\n');
    return new PrivateBroker(port, dir, conf);
  }

  get url(): string { return `mqtt://127.0.0.1:${this.port}`; }
  get pid(): number | undefined { return this.child?.pid; }

  async start(): Promise<void> {
    const child = spawn(mosquittoBin ?? 'mosquitto', ['-c', this.confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (b: Buffer) => { this.log += b.toString(); });
    child.stderr?.on('data', (b: Buffer) => { this.log += b.toString(); });
    this.child = child;
    await until(() => accepts(this.port), () => `mosquitto listening on ${this.port}:\n${this.log}`);
  }

  /** SIGTERM: Mosquitto writes its persistence file (sessions, subscriptions, queued messages) and exits. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
    this.child = undefined;
  }

  async remove(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
