/**
 * Prints a scrypt hash for a dashboard user's `passwordHash`:
 *   npm run dashboard:hash-password        (reads the password from stdin, never from argv)
 */
import { hashPassword } from './password-hash';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

readStdin()
  .then(async (password) => {
    if (password.length < 12) throw new Error('use a password of at least 12 characters');
    process.stdout.write(`${await hashPassword(password)}\n`);
  })
  .catch((err: unknown) => {
    process.stderr.write(`hash-password: ${(err as Error).message}\n`);
    process.exit(1);
  });
