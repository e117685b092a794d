import { createServer } from 'node:net';
import { freePort } from './proc.js';

/** Where a local agent-gateway listens so the real node's pods reach it, and the URL agents are given. */
export interface GatewayListener {
  readonly host: string;
  readonly port: number;
  readonly url: string;
}

const canListen = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(true)));
  });

/**
 * A free port of the stack's agent-gateway range on the real node's host address (stackEnv's
 * CODEXK8S_REAL_NODE_ADDRESS and CODEXK8S_AGENT_GATEWAY_PORTS), tried from a random place in the range so parallel
 * test platforms rarely race for one. Without a real node (no pod could reach a gateway then), a free loopback port.
 * @throws Error when every port of the range is taken.
 */
export async function agentGatewayListener(env: Record<string, string | undefined>): Promise<GatewayListener> {
  const host = env.CODEXK8S_REAL_NODE_ADDRESS;
  const range = /^(\d+)-(\d+)$/.exec(env.CODEXK8S_AGENT_GATEWAY_PORTS ?? '');
  if (!host || !range) {
    const port = await freePort();
    return { host: '127.0.0.1', port, url: `http://127.0.0.1:${port}` };
  }
  const [first, last] = [Number(range[1]), Number(range[2])];
  const count = last - first + 1;
  const start = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const port = first + ((start + i) % count);
    if (await canListen(host, port)) return { host, port, url: `http://${host}:${port}` };
  }
  throw new Error(`every agent-gateway port ${first}-${last} on ${host} is taken`);
}
