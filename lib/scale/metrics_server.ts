// GET /metrics of a worker on node:http (Prometheus text); anything else is 404.
import { createServer, type Server } from 'node:http';

import type { ScaleWorker } from './worker';

/** Listens on host:port (port 0: any free one) and resolves once listening. */
export function serveMetrics(worker: ScaleWorker, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics only\n');
      return;
    }
    worker.metrics().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text),
      (e) => res.writeHead(503, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${(e as Error).message}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
