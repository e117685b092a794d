import { createEdgeServer, errorMessage, extractTraceContext, type EdgeLimits, type Logger } from '@codex-k8s/runtime';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { register } from 'prom-client';
import { acceptDelivery, type AcceptDeps } from './accept.js';
import { connectionsRefused, webhookDuration, webhookRequests } from './metrics.js';
import { refusalFor } from './refusal.js';
import { verifySignature } from './signature.js';

export interface AppDeps extends AcceptDeps {
  readonly secret: string;
  readonly maxBodyBytes: number;
  /** Connection cap and header/body deadlines of the listener (slow clients must not hold it). */
  readonly limits: EdgeLimits;
  readonly log: Logger;
  readonly ready: () => Promise<boolean>;
}

const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// A proxy looked up once: it finds the provider main.ts registers (initTelemetry) at the first span.
const tracer = trace.getTracer('webhook-ingress');
const EVENT_NAME = /^[a-z_]{1,64}$/;

/**
 * Builds the HTTP app on a server with the edge limits applied (never listens: main.ts does).
 * @throws RangeError when the limits' header timeout exceeds the request timeout (config.ts refuses that first).
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: deps.maxBodyBytes,
    serverFactory: (handler) => createEdgeServer(deps.limits, handler, (reason) => connectionsRefused.inc({ reason })),
  });
  let accepting = true;
  app.addHook('onClose', async () => {
    accepting = false;
  });
  app.get('/livez', async () => 'ok');
  app.get('/readyz', async (_req, reply) => {
    const ok = accepting && (await deps.ready().catch(() => false));
    return reply.code(ok ? 200 : 503).send(ok ? 'ready' : 'not ready');
  });
  app.get('/metrics', async (_req, reply) => reply.type(register.contentType).send(await register.metrics()));
  void app.register(async (scope) => {
    // The signature covers the exact bytes: read every body as a Buffer, never as parsed JSON.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.maxBodyBytes }, (_req, body, done) => done(null, body));
    scope.addHook('onRequest', checkHeaders);
    scope.post('/api/v1/webhooks/github', (req, reply) => handleWebhook(deps, req, reply));
  });
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, req, reply) => {
    const status = err.statusCode ?? 500;
    const reason = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'payload too large' : status < 500 ? err.message : 'internal error';
    record(req, reply, status === 413 ? 'rejected_too_large' : status < 500 ? 'rejected_bad_request' : 'error');
    if (status >= 500) req.log.error({ err: errorMessage(err) }, 'webhook failed');
    return reply.code(status).send({ error: reason });
  });
  return app;
}

async function checkHeaders(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const delivery = req.headers['x-github-delivery'];
  const event = req.headers['x-github-event'];
  if (typeof delivery !== 'string' || !DELIVERY_ID.test(delivery)) return reject(req, reply, { status: 400, reason: 'missing or invalid X-GitHub-Delivery', result: 'rejected_headers' });
  if (typeof event !== 'string' || !EVENT_NAME.test(event)) return reject(req, reply, { status: 400, reason: 'missing or invalid X-GitHub-Event', result: 'rejected_headers' });
  if (typeof req.headers['x-hub-signature-256'] !== 'string') return reject(req, reply, { status: 401, reason: 'missing X-Hub-Signature-256', result: 'rejected_signature' });
}

async function handleWebhook(deps: AppDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const deliveryId = req.headers['x-github-delivery'] as string;
  const eventType = req.headers['x-github-event'] as string;
  const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  if (!verifySignature(deps.secret, raw, req.headers['x-hub-signature-256'] as string)) {
    return reject(req, reply, { status: 401, reason: 'signature mismatch', result: 'rejected_signature' });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(raw.toString('utf8'));
  } catch {
    return reject(req, reply, { status: 400, reason: 'body is not valid JSON', result: 'rejected_json' });
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
    return reject(req, reply, { status: 400, reason: 'body must be a JSON object', result: 'rejected_json' });
  }
  const attributes = { 'github.delivery': deliveryId, 'github.event': eventType };
  // A caller's traceparent (a proxy, a replay tool) is continued; otherwise this span starts the trace.
  const parent = extractTraceContext({ traceparent: header(req, 'traceparent'), tracestate: header(req, 'tracestate') });
  return tracer.startActiveSpan('POST /api/v1/webhooks/github', { kind: SpanKind.SERVER, attributes }, parent, async (span) => {
    try {
      const res = await acceptDelivery(deps, {
        deliveryId,
        eventType,
        payload: payload as Record<string, unknown>,
        rawBody: raw,
        receivedAt: new Date(),
      });
      record(req, reply, res.status);
      req.log.info({ delivery: deliveryId, event: eventType, status: res.status }, 'webhook');
      return reply
        .code(res.status === 'accepted' ? 202 : 200)
        .send({ correlation_id: deliveryId, status: res.status, duplicate: res.status === 'duplicate' });
    } catch (err) {
      const refusal = refusalFor(err);
      // A permanent refusal is the client's payload, not a server error: a 4xx leaves the span status unset.
      if (refusal.status < 500) return reject(req, reply, refusal, { correlation_id: deliveryId });
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
      record(req, reply, refusal.result);
      req.log.error({ delivery: deliveryId, err: errorMessage(err) }, 'could not store or publish delivery');
      return reply.code(refusal.status).send({ error: refusal.reason, correlation_id: deliveryId });
    } finally {
      span.end();
    }
  });
}

/** A refused request: counted, logged with its reason (never the signature), answered with the reason. */
function reject(req: FastifyRequest, reply: FastifyReply, r: { status: number; reason: string; result: string }, extra: Record<string, string> = {}): FastifyReply {
  const { status, reason } = r;
  record(req, reply, r.result);
  req.log.warn({ delivery: req.headers['x-github-delivery'], status, reason }, 'webhook rejected');
  return reply.code(status).send({ error: reason, ...extra });
}

function record(req: FastifyRequest, reply: FastifyReply, result: string): void {
  const event = req.headers['x-github-event'];
  webhookRequests.inc({ result, event: typeof event === 'string' && EVENT_NAME.test(event) ? event : 'unknown' });
  webhookDuration.observe({ result }, reply.elapsedTime / 1000);
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}
