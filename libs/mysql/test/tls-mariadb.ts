import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPrivateMariadb } from './private-mariadb';

export interface TlsMariadb {
  port: number;
  /** PEM of the CA that signed the server certificate (CN/SAN 127.0.0.1). */
  ca: string;
  /** PEM of another CA: a client trusting only it must refuse the server. */
  otherCa: string;
  stop(): Promise<void>;
}

const openssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

/** A private MariaDB with TLS (its own data dir and port; the shared server is left alone). */
export async function startTlsMariadb(): Promise<TlsMariadb> {
  const server = await startPrivateMariadb((dir) => {
    // EC keys: generated in milliseconds where RSA 2048 takes about a second each on a loaded machine.
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
    for (const name of ['ca', 'other']) {
      openssl(dir, 'req', '-x509', ...ec, '-nodes', '-days', '2', '-subj', `/CN=dbre test ${name} CA`, '-keyout', `${name}-key.pem`, '-out', `${name}.pem`);
    }
    writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl(dir, 'req', ...ec, '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server-key.pem', '-out', 'server.csr');
    openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-days', '2', '-extfile', 'san.cnf', '-out', 'server.pem');
    return ['--skip-grant-tables', `--ssl-ca=${join(dir, 'ca.pem')}`, `--ssl-cert=${join(dir, 'server.pem')}`, `--ssl-key=${join(dir, 'server-key.pem')}`];
  });
  return {
    port: server.port,
    ca: readFileSync(join(server.dir, 'ca.pem'), 'utf8'),
    otherCa: readFileSync(join(server.dir, 'other.pem'), 'utf8'),
    stop: server.stop,
  };
}
