import { createServer, connect, type Server, type Socket } from 'node:net';

/** How the proxy treats connections: pass them through, hold them unanswered, or drop them at once. */
export type ProxyMode = 'open' | 'blackhole' | 'reset';

export interface TcpProxy {
  readonly port: number;
  /** Changes the mode; leaving `open` (or entering any mode) drops every connection already established. */
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback in front of a real server, to give one client an outage the server itself does not have
 * (the others keep working): `blackhole` accepts and never answers (a client's connect timeout fires, like a
 * Postgres too slow to accept), `reset` closes every connection as soon as it is accepted (like a Postgres
 * restarting, 57P01 / "Connection terminated").
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'open';
  const live = new Set<Socket>();
  const server: Server = createServer((client) => {
    live.add(client);
    client.on('close', () => live.delete(client));
    client.on('error', () => undefined);
    if (mode === 'reset') return void client.destroy();
    if (mode === 'blackhole') return; // held until the mode changes
    const upstream = connect(target.port, target.host);
    live.add(upstream);
    upstream.on('close', () => {
      live.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    setMode(next) {
      mode = next;
      for (const s of live) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of live) s.destroy();
        server.close(() => resolve());
      }),
  };
}
