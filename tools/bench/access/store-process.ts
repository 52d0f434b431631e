/**
 * dynalite in a process of its own for the benchmark, so the store does not share an event loop
 * with the load generator. Prints two endpoints: `counted` (what the services use: every DynamoDB
 * call passes a small proxy that counts it by operation and table) and `raw` (the bench's own
 * polling, not counted). `GET <counted>/__counts` returns the counts; `POST <counted>/__reset` zeroes them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmbeddedDynalite } from '@dbre/store';

void (async () => {
  const port = Number(process.argv[2] ?? 0);
  const server = await startEmbeddedDynalite({ port });
  const target = new URL(server.endpoint);
  const counts = new Map<string, number>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const proxy = http.createServer((req, res) => {
    if (req.url === '/__counts') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(Object.fromEntries(counts)));
      return;
    }
    if (req.url === '/__reset') {
      counts.clear();
      res.end('{}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? 'unknown';
      let table = '-';
      try {
        const parsed = JSON.parse(body.toString('utf8')) as { TableName?: string; RequestItems?: Record<string, unknown> };
        table = parsed.TableName ?? Object.keys(parsed.RequestItems ?? {}).join('+') ?? '-';
      } catch {
        // not JSON: counted under '-'
      }
      const key = `${op} ${table}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (up) => {
        res.writeHead(up.statusCode ?? 500, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => {
        res.statusCode = 502;
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const counted = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  process.stdout.write(`${JSON.stringify({ counted, raw: server.endpoint })}\n`);
  const stop = () => void Promise.all([server.close(), new Promise((r) => proxy.close(r))]).then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
})();
