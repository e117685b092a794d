import { Counter, Histogram } from 'prom-client';

/** `codexk8s_webhook_requests_total{result,event}`: one count per request, by outcome. */
export const webhookRequests = new Counter({
  name: 'codexk8s_webhook_requests_total',
  help: 'GitHub webhook requests by result (accepted, duplicate, rejected_<reason>, error) and event',
  labelNames: ['result', 'event'] as const,
});

/** `codexk8s_webhook_duration_seconds`: time from request to response. */
export const webhookDuration = new Histogram({
  name: 'codexk8s_webhook_duration_seconds',
  help: 'GitHub webhook handling time (verify + durable store + publish ack)',
  labelNames: ['result'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

/** `codexk8s_webhook_connections_refused_total{reason}`: connections the edge limits closed. */
export const connectionsRefused = new Counter({
  name: 'codexk8s_webhook_connections_refused_total',
  help: 'Webhook connections closed by the edge limits: over_capacity (above the connection cap), timeout (headers or body too slow)',
  labelNames: ['reason'] as const,
});
