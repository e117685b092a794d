import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** How much a client may hold a public listener: connections, and time to send a whole request. */
export interface EdgeLimits {
  /** Open connections; one more is closed as soon as it is accepted. */
  readonly maxConnections: number;
  /** From connection (or the end of the previous request) to the last header byte. */
  readonly headersTimeoutMs: number;
  /** From connection to the last body byte; must not be below `headersTimeoutMs`. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept after a response. */
  readonly keepAliveTimeoutMs: number;
}

/** Why the edge limits closed a connection: above the connection cap, or headers or body too slow. */
export type EdgeRefusal = 'over_capacity' | 'timeout';

/**
 * How often Node sweeps connections for expired header and request deadlines. Node checks them only on this
 * sweep (30 s by default), so a slow client outlives its deadline by up to one interval: a quarter of the header
 * timeout keeps the overshoot small, bounded to 100 ms..1 s so the sweep over every connection stays cheap. Pure.
 */
export function connectionsCheckingIntervalMs(headersTimeoutMs: number): number {
  return Math.min(1000, Math.max(100, Math.floor(headersTimeoutMs / 4)));
}

/**
 * Creates (does not listen) the HTTP server for fastify's `serverFactory` with the edge limits applied.
 * `connectionsCheckingInterval` can only be given at creation, which is why the server is built here and not by
 * fastify. A connection over the cap is closed at accept time (Node's `maxConnections`), not queued; a client
 * too slow with its headers or body gets 408 and is disconnected.
 * @throws RangeError (Node's ERR_OUT_OF_RANGE) when `headersTimeoutMs` exceeds `requestTimeoutMs`.
 */
export function createEdgeServer(
  limits: EdgeLimits,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  onRefused: (reason: EdgeRefusal) => void = () => undefined,
): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(limits.headersTimeoutMs),
    },
    handler,
  );
  server.maxConnections = limits.maxConnections;
  // Counted, not logged: under a flood a log line per connection would be a second flood.
  server.on('drop', () => onRefused('over_capacity'));
  // Any 'clientError' listener replaces Node's default, so this one answers and closes as the default would; it
  // runs before fastify's (attached later), which then finds the socket destroyed and does nothing.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    if (status === 408) onRefused('timeout');
    if (err.code !== 'ECONNRESET' && socket.writable) socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  });
  return server;
}
