/** dynalite in a process of its own for the benchmark, so the store does not share an event loop with the load generator. */
import { startEmbeddedDynalite } from '@dbre/store';

void (async () => {
  const port = Number(process.argv[2] ?? 0);
  const server = await startEmbeddedDynalite({ port });
  process.stdout.write(`${server.endpoint}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
})();
