import { STAFF_API } from '@codex-k8s/contracts';
import { createEdgeServer, errorMessage, type EdgeLimits } from '@codex-k8s/runtime';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Access } from './access.js';
import { handleArtifact } from './artifact.js';
import { checkCsrf } from './auth.js';
import { handleCancel } from './cancel.js';
import { handleDeadLetters } from './dead-letters.js';
import { handleRetryDeadLetter } from './retry-dead-letter.js';
import { handleDeleteNamespace } from './delete-namespace.js';
import type { Answer } from './deps.js';
import { handleDeployTasks } from './deploy-tasks.js';
import { handleRunEvent } from './event.js';
import { handleRunEvents } from './events.js';
import { accessOf, type IdentityDeps } from './identity.js';
import { handleLogin, handleLogout } from './login.js';
import { handleLogDownload } from './logs-download.js';
import { handleRunLogs } from './logs.js';
import { consoleConnectionsRefused, consoleDuration, consoleRequests, consoleStreams } from './metrics.js';
import { handleNamespaces } from './namespaces.js';
import { handleRedeploy } from './redeploy.js';
import { handleRunDetails } from './run.js';
import { handleRunList } from './runs.js';
import { handleSession } from './session.js';
import { handleSlots } from './slots.js';
import { sseMessage, startStream } from './stream.js';
import type { StreamHub, Subscriber } from './stream-hub.js';
import { UI_SECURITY_HEADERS, type UiFile } from './ui.js';

export interface AppDeps extends IdentityDeps {
  readonly hub: StreamHub;
  readonly ui: ReadonlyMap<string, UiFile>;
  readonly edge: EdgeLimits;
  readonly maxStreams: number;
  readonly sessionTtlSeconds: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    access: Access | null;
  }
}

const TEXTUAL = /^(text\/[a-z0-9.+-]+|application\/(json|x-ndjson|yaml|x-yaml))(;.*)?$/;

/** A request's route for metrics (its pattern, never its path: ids are unbounded). */
const routeOf = (req: FastifyRequest): string => req.routeOptions.url ?? 'other';

/**
 * The staff console's HTTP app (never listens: main.ts does): the API under /api/v1/staff (every route
 * authenticated in `onRequest`, actions CSRF-checked before their body is read), the live stream, the login link
 * and the UI's static files.
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: 16 * 1024,
    serverFactory: (handler) => createEdgeServer(deps.edge, handler, (reason) => consoleConnectionsRefused.inc({ reason })),
  });
  app.decorateRequest('access', null);
  const answer = (reply: FastifyReply, a: Answer): FastifyReply => reply.code(a.status).header('cache-control', 'no-store').send(a.body);
  const who = (req: FastifyRequest): Access => req.access as Access;
  // Open live streams, ended when the app closes (a hijacked reply would otherwise hold close() open).
  const streams = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const end of [...streams]) end();
  });

  void app.register(async (api) => {
    api.addHook('onRequest', async (req, reply) => {
      const a = await accessOf(deps, { remote: req.socket.remoteAddress, headers: req.headers });
      if ('status' in a) return reply.code(a.status).header('cache-control', 'no-store').send({ error: a.reason });
      req.access = a;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        const bad = checkCsrf({ secret: deps.secret, login: a.login, session: a.session, header: req.headers['x-csrf-token'], fetchSite: req.headers['sec-fetch-site'] });
        if (bad) return reply.code(403).header('cache-control', 'no-store').send({ error: bad });
      }
      return undefined;
    });
    api.get(STAFF_API.session, async (req, reply) => answer(reply, handleSession(deps, who(req))));
    api.post(STAFF_API.logout, async (req, reply) => reply.code(204).header('set-cookie', await handleLogout(deps, who(req).session)).send());
    api.get(STAFF_API.runs, async (req, reply) => answer(reply, await handleRunList(deps, who(req), req.query)));
    api.get('/api/v1/staff/runs/:run_id', async (req, reply) => answer(reply, await handleRunDetails(deps, who(req), req.params)));
    api.get('/api/v1/staff/runs/:run_id/events', async (req, reply) => answer(reply, await handleRunEvents(deps, who(req), req.params, req.query)));
    api.get('/api/v1/staff/runs/:run_id/events/:event_id', async (req, reply) => answer(reply, await handleRunEvent(deps, who(req), req.params)));
    api.get('/api/v1/staff/runs/:run_id/logs', async (req, reply) => answer(reply, await handleRunLogs(deps, who(req), req.params, req.query)));
    api.get('/api/v1/staff/runs/:run_id/logs/download', async (req, reply) => {
      const d = await handleLogDownload(deps, who(req), req.params);
      if ('answer' in d) return answer(reply, d.answer);
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-disposition': `attachment; filename="${d.filename}"`, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      // A client that goes away ends the download: waiting for `drain` alone would wait for ever.
      const writable = (): Promise<void> =>
        new Promise((resolve) => {
          const go = (): void => {
            reply.raw.off('drain', go).off('close', go);
            resolve();
          };
          reply.raw.once('drain', go).once('close', go);
        });
      try {
        for await (const page of d.pages) {
          if (reply.raw.destroyed) break;
          if (!reply.raw.write(page)) await writable();
        }
      } catch (err) {
        req.log.warn({ err: errorMessage(err) }, 'log download broke off');
      }
      reply.raw.end();
      return reply;
    });
    api.get('/api/v1/staff/runs/:run_id/artifacts/:name', async (req, reply) => {
      const a = await handleArtifact(deps, who(req), req.params);
      if ('answer' in a) return answer(reply, a.answer);
      // What an agent uploaded is never rendered as a page of this origin: text as text, the rest as a download.
      const text = TEXTUAL.test(a.contentType ?? '');
      return reply
        .header('content-type', text ? 'text/plain; charset=utf-8' : 'application/octet-stream')
        .header('content-disposition', `${text ? 'inline' : 'attachment'}; filename="${a.name}"`)
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .send(a.content);
    });
    api.post('/api/v1/staff/runs/:run_id/cancel', async (req, reply) => answer(reply, await handleCancel(deps, who(req), req.params)));
    api.delete('/api/v1/staff/runs/:run_id/namespace', async (req, reply) => answer(reply, await handleDeleteNamespace(deps, who(req), req.params)));
    api.get(STAFF_API.slots, async (req, reply) => answer(reply, await handleSlots(deps, who(req), req.query)));
    api.post('/api/v1/staff/slots/:project/:slot_no/redeploy', async (req, reply) => answer(reply, await handleRedeploy(deps, who(req), req.params)));
    api.get(STAFF_API.namespaces, async (req, reply) => answer(reply, await handleNamespaces(deps, who(req), req.query)));
    api.get(STAFF_API.deployTasks, async (req, reply) => answer(reply, await handleDeployTasks(deps, who(req), req.query)));
    api.get(STAFF_API.deadLetters, async (req, reply) => answer(reply, await handleDeadLetters(deps, who(req), req.query)));
    api.post('/api/v1/staff/dead-letters/:id/retry', async (req, reply) => answer(reply, await handleRetryDeadLetter(deps, who(req), req.params)));
    api.get(STAFF_API.stream, async (req, reply) => {
      const last = req.headers['last-event-id'];
      const s = await startStream(deps, who(req), { query: req.query, lastEventId: typeof last === 'string' ? last : undefined });
      if ('answer' in s) return answer(reply, s.answer);
      const raw = reply.raw;
      let send: Subscriber['send'] = () => undefined;
      // Joined before the answer starts: an event recorded from now on is not missed.
      const remove = await deps.hub.add({ ...s.sub, send: (event, id, data) => send(event, id, data) });
      reply.hijack();
      raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
      raw.write('retry: 2000\n\n');
      for (const m of s.replay) raw.write(sseMessage('flow', m.id, m.data));
      send = (event, id, data) => void raw.write(sseMessage(event, id, data));
      const ping = setInterval(() => raw.write(': ping\n\n'), 15_000);
      consoleStreams.inc();
      const end = (): void => {
        if (!streams.delete(end)) return;
        clearInterval(ping);
        remove();
        consoleStreams.dec();
        raw.end();
      };
      streams.add(end);
      raw.on('close', end);
      return reply;
    });
    api.all('/api/*', async (_req, reply) => reply.code(404).send({ error: 'no such endpoint' }));
  });

  app.get(STAFF_API.login, async (req, reply) => {
    const r = await handleLogin(deps, req.query);
    if (!r.ok) return reply.code(r.status).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send(`${r.reason}\n`);
    return reply.code(303).header('set-cookie', r.cookie).header('location', '/').header('cache-control', 'no-store').send();
  });
  // The UI: its hashed files, and index.html for every other path (the UI routes in the browser).
  app.get('/*', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const file = deps.ui.get(path) ?? deps.ui.get('/index.html');
    if (!file) return reply.code(503).header('content-type', 'text/plain; charset=utf-8').send('the staff console UI is not built: run `npm run build`\n');
    return reply
      .headers(UI_SECURITY_HEADERS)
      .header('content-type', file.type)
      .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .send(file.body);
  });
  app.addHook('onResponse', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return;
    consoleRequests.inc({ route: routeOf(req), status: String(reply.statusCode) });
    consoleDuration.observe({ route: routeOf(req) }, reply.elapsedTime / 1000);
    if (reply.statusCode === 401 || reply.statusCode === 403) req.log.warn({ route: routeOf(req), status: reply.statusCode, login: req.access?.login ?? null, remote: req.socket.remoteAddress }, 'staff request refused');
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    const reason = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'request body too large' : status < 500 ? err.message : 'internal error; retry later';
    if (status >= 500) req.log.error({ err: errorMessage(err) }, 'staff request failed');
    return reply.code(status >= 500 ? 503 : status).send({ error: reason });
  });
  return app;
}
