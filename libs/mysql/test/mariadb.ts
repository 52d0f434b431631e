import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';

// What these tests need of @dbre/testing (the shared MariaDB's address, unique names, a free port), kept here
// on purpose: @dbre/testing's index loads the store (AWS SDK, dynalite) and service-kit, ~6 s per test file at
// load 17, paid again by every mutant Stryker runs against these files (docs/mutation/mysql.md). Same
// environment variables as @dbre/testing's testServices.mysql.

/** The shared MariaDB (root, empty password here); CI starts it. */
export const server = {
  host: process.env['TEST_MYSQL_HOST'] ?? '127.0.0.1',
  port: Number(process.env['TEST_MYSQL_PORT'] ?? 3306),
  user: process.env['TEST_MYSQL_USER'] ?? 'root',
  password: process.env['TEST_MYSQL_PASSWORD'] ?? '',
};

/** A short random name part, safe in database and user names. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** A TCP port free on 127.0.0.1 right now, for a child process that must be told its port. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
