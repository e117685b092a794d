import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

type RequestContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];
type ConnectOptions = Parameters<KubeConfig['applyToHTTPSOptions']>[0];

/** How many distinct connection settings keep a pool (credentials rotate; an evicted pool's sockets are closed). */
const MAX_POOLS = 8;

/** What makes two agents interchangeable: the TLS material and checks, never anything per request. */
function poolKey(options: https.AgentOptions): string {
  const o = options as Record<string, unknown>;
  const h = createHash('sha256');
  for (const k of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername']) h.update(`${k}=${String(o[k] ?? '')}\n`);
  return h.digest('hex');
}

/**
 * Keep-alive agents shared by every request with the same connection settings. client-node 1.x builds a new
 * agent for each API call, so every call opened a TCP connection and a TLS handshake: under a burst of 100 runs
 * the handshakes were most of the apiserver's and the Kubernetes services' CPU. Only plain http(s) agents are
 * pooled; proxy agents (subclasses) pass through unchanged.
 */
export class AgentPool {
  private readonly pools = new Map<string, http.Agent>();

  /** The shared keep-alive agent for `fresh`'s settings (fresh itself is dropped unused); other agents as given. */
  reuse<A>(fresh: A): A | http.Agent {
    const ctor = (fresh as { constructor?: unknown } | undefined)?.constructor;
    if (ctor !== https.Agent && ctor !== http.Agent) return fresh;
    const options = (fresh as unknown as { options: https.AgentOptions }).options;
    const key = `${ctor === https.Agent ? 'https' : 'http'}:${poolKey(options)}`;
    let agent = this.pools.get(key);
    if (!agent) {
      agent = ctor === https.Agent ? new https.Agent({ ...options, keepAlive: true, scheduling: 'lifo' }) : new http.Agent({ ...options, keepAlive: true, scheduling: 'lifo' });
      this.pools.set(key, agent);
      if (this.pools.size > MAX_POOLS) {
        const [oldest, old] = this.pools.entries().next().value as [string, http.Agent];
        this.pools.delete(oldest);
        old.destroy();
      }
    }
    return agent;
  }

  /** Closes every pooled connection (graceful shutdown; idle keep-alive sockets would otherwise hold the loop). */
  destroy(): void {
    for (const a of this.pools.values()) a.destroy();
    this.pools.clear();
  }
}

/** A KubeConfig whose API calls and watches reuse keep-alive connections (AgentPool) instead of one per call. */
export class PooledKubeConfig extends KubeConfig {
  readonly agents = new AgentPool();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setAgent(this.agents.reuse(context.getAgent()) as never);
  }

  override async applyToHTTPSOptions(opts: ConnectOptions): Promise<void> {
    await super.applyToHTTPSOptions(opts);
    if (opts.agent) opts.agent = this.agents.reuse(opts.agent) as https.Agent;
  }
}
