import { startTlsMariadb } from './tls-mariadb';
it('times', async () => {
  const t0 = Date.now();
  const db = await startTlsMariadb();
  const t1 = Date.now();
  await db.stop();
  console.log('start', t1 - t0, 'stop', Date.now() - t1);
}, 90000);
