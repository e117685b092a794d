import { agentTokenHash, findAgentByTokenHash, type AgentIdentity } from '@codex-k8s/db';
import { createEdgeServer, errorMessage, type EdgeLimits } from '@codex-k8s/runtime';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { handleArtifact } from './artifact.js';
import { authorize, bearerOf } from './auth.js';
import type { Answer, GatewayDeps } from './deps.js';
import { handleLogChunk } from './logs.js';
import { gatewayConnectionsRefused, gatewayDuration, gatewayRequests } from './metrics.js';
import type { RateLimiter } from './rate-limit.js';
import { handleReport } from './report.js';

export interface AppDeps extends GatewayDeps {
  readonly limiter: RateLimiter;
  readonly edge: EdgeLimits;
}

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

declare module 'fastify' {
  interface FastifyRequest {
    agent: AgentIdentity | null;
  }
}

/** A request's route name for metrics and logs (never its path: run ids and names are unbounded). */
function routeOf(req: FastifyRequest): string {
  const url = req.routeOptions.url ?? '';
  return url.endsWith('/reports') ? 'reports' : url.endsWith('/logs') ? 'logs' : url.includes('/artifacts/') ? 'artifacts' : 'other';
}

/**
 * The agent gateway's HTTP app (never listens: main.ts does). Every run route authenticates in `onRequest`, before
 * a body is read: bearer token -> its run -> the run in the path -> not revoked, not expired, run alive -> the
 * run's rate. Bodies are then read under a per-route limit and validated by the contract's zod schemas.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const { limits } = deps;
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: 64 * 1024,
    serverFactory: (handler) => createEdgeServer(deps.edge, handler, (reason) => gatewayConnectionsRefused.inc({ reason })),
  });
  app.decorateRequest('agent', null);
  // Probes and /metrics are served on the health port only (main.ts): agents see nothing but their API here.
  void app.register(async (scope) => {
    scope.addHook('onRequest', (req, reply) => authenticate(deps, req, reply));
    const answer = (reply: FastifyReply, a: Answer): FastifyReply => reply.code(a.status).send(a.body);
    const agentOf = (req: FastifyRequest): AgentIdentity => req.agent as AgentIdentity;
    scope.post('/api/v1/runs/:run_id/reports', async (req, reply) => answer(reply, await handleReport(deps, agentOf(req), req.body)));
    scope.post('/api/v1/runs/:run_id/logs', { bodyLimit: limits.logChunkMaxBytes * 2 + 4_096 }, async (req, reply) => answer(reply, await handleLogChunk(deps, agentOf(req), req.body)));
    scope.put<{ Params: { name: string } }>(
      '/api/v1/runs/:run_id/artifacts/:name',
      // Base64 is 4/3 of the content, plus the metadata.
      { bodyLimit: Math.ceil(limits.artifactMaxBytes / 3) * 4 + 64 * 1024 },
      async (req, reply) => answer(reply, await handleArtifact(deps, agentOf(req), req.params.name, req.body)),
    );
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = routeOf(req);
    if (route === 'other') return;
    gatewayRequests.inc({ route, status: String(reply.statusCode) });
    gatewayDuration.observe({ route }, reply.elapsedTime / 1000);
    // The run and the outcome, never the token or the body.
    if (reply.statusCode >= 400) req.log.warn({ run: req.agent?.run_id ?? null, route, status: reply.statusCode }, 'agent request refused');
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    const reason = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request body too large' : status < 500 ? err.message : 'internal error; retry later';
    if (status >= 500) req.log.error({ run: req.agent?.run_id ?? null, err: errorMessage(err) }, 'agent request failed');
    return reply.code(status >= 500 ? 503 : status).send({ error: reason });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'no such endpoint' }));
  return app;
}

async function authenticate(deps: AppDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const token = bearerOf(req.headers.authorization);
  if (!token) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'missing or malformed bearer token' });
  const runId = (req.params as { run_id?: string }).run_id ?? '';
  if (!RUN_ID.test(runId)) return reply.code(400).send({ error: 'run_id: not a run id' });
  const id = await findAgentByTokenHash(deps.db, agentTokenHash(token));
  const refusal = authorize(id, runId, new Date());
  if (refusal) return reply.code(refusal.status).send({ error: refusal.reason });
  req.agent = id ?? null;
  const wait = deps.limiter.take(runId);
  if (wait > 0) return reply.code(429).header('retry-after', String(wait)).send({ error: 'too many requests for this run', retry_after_seconds: wait });
  return undefined;
}
