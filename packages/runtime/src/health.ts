import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from 'prom-client';
import { enableProcessMetrics } from './metrics.js';

export interface HealthServer {
  readonly port: number;
  markNotReady(): void;
  close(): Promise<void>;
}

/**
 * Serves `/livez` (the process answers), `/readyz` (the `ready` probe passes and shutdown has not begun)
 * and `/metrics` (Prometheus text) for services without an HTTP server of their own.
 */
export async function startHealth(opts: {
  port: number;
  host: string;
  ready: () => Promise<boolean>;
}): Promise<HealthServer> {
  enableProcessMetrics();
  let accepting = true;
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/livez') return send(res, 200, 'ok');
      if (req.url === '/readyz') {
        const ok = accepting && (await opts.ready().catch(() => false));
        return send(res, ok ? 200 : 503, ok ? 'ready' : 'not ready');
      }
      if (req.url === '/metrics') {
        res.setHeader('content-type', register.contentType);
        return send(res, 200, await register.metrics());
      }
      return send(res, 404, 'not found');
    })().catch(() => {
      // A probe that cannot be answered (metrics collection failed, the client went away) is a failed probe.
      if (!res.headersSent) send(res, 500, 'error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    markNotReady: () => {
      accepting = false;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function send(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.end(body);
}
