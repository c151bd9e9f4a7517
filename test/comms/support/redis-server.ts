// A private redis-server for tests that stop, crash or reconfigure Redis: the shared one on 6379
// is used by other tests at the same time and must never be touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceSkip } from '../../support/services.js';

export interface PrivateRedisOptions {
  /** Append-only file with fsync on every write: what was acknowledged survives a crash. */
  persistent?: boolean;
  /** Extra `redis-server` arguments (TLS, ACL...). */
  args?: string[];
  /** Listen on this port (a free one by default). Ignored for the plain port when `args` use TLS. */
  port?: number;
}

export class PrivateRedis {
  readonly dir: string;
  readonly port: number;
  readonly #options: PrivateRedisOptions;
  #child: ChildProcess | undefined;

  private constructor(port: number, options: PrivateRedisOptions) {
    this.port = port;
    this.#options = options;
    this.dir = mkdtempSync(join(tmpdir(), 'taskfarm-redis-'));
  }

  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const server = new PrivateRedis(options.port ?? (await freePort()), options);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts, on the same port and data directory) and resolves once it accepts connections. */
  async start(): Promise<void> {
    const persistent = this.#options.persistent ?? false;
    const child = spawn('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--dir', this.dir,
      '--appendonly', persistent ? 'yes' : 'no', '--appendfsync', 'always', '--logfile', '',
      ...(this.#options.args ?? []),
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          child.stdout!.off('data', onData);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
      child.once('error', reject);
    });
    child.stdout!.resume();
    child.stderr!.resume();
  }

  /** Kills the server the hard way (a crash, not a shutdown) and resolves once it is gone. */
  async crash(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.crash();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Like serviceSkip('Redis'), and the redis-server binary must be there too: a local run without it
 * skips with the reason, CI=true fails.
 */
export async function privateRedisSkip(): Promise<false | string> {
  const service = await serviceSkip('Redis');
  if (service) return service;
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.status === 0) return false;
  const reason = 'the redis-server binary is not on PATH (needed to run a private server)';
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: service tests must run)`);
  console.log(`# skipping private Redis tests: ${reason}`);
  return reason;
}
