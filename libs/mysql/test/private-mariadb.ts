import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './mariadb';

export interface PrivateMariadb {
  port: number;
  /** Its own directory: data, socket, pid file, and whatever the caller put there before starting. */
  dir: string;
  stop(): Promise<void>;
}

/**
 * A MariaDB of the test's own (own data dir and port; the shared server is left alone), for what the shared
 * one must not change: TLS, or `event_scheduler` ON. Root on 127.0.0.1 has an empty password.
 * `prepare` runs in the new directory before the server starts (certificates, say) and returns extra options.
 */
export async function startPrivateMariadb(prepare: (dir: string) => string[] = () => []): Promise<PrivateMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'private-mariadb-'));
  const extra = prepare(dir);
  execFileSync('mariadb-install-db', ['--no-defaults', `--datadir=${join(dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db'], { stdio: 'ignore' });
  const port = await freePort();
  const server: ChildProcess = spawn(
    'mariadbd',
    ['--no-defaults', `--datadir=${join(dir, 'data')}`, `--socket=${join(dir, 'mysqld.sock')}`, `--pid-file=${join(dir, 'mysqld.pid')}`, `--port=${port}`, '--bind-address=127.0.0.1', '--user=root', ...extra],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline || server.exitCode !== null) throw new Error('the private MariaDB did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    dir,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (server.exitCode !== null) return resolve();
        server.once('exit', () => resolve());
        server.kill('SIGTERM');
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
