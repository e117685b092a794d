import { Counter, Histogram } from 'prom-client';

/** `codexk8s_agent_gateway_requests_total{route,status}`: one count per request. */
export const gatewayRequests = new Counter({
  name: 'codexk8s_agent_gateway_requests_total',
  help: 'Agent gateway requests by route (reports, logs, artifacts) and status code',
  labelNames: ['route', 'status'] as const,
});

/** `codexk8s_agent_gateway_duration_seconds`: from request to response (auth, store, publish). */
export const gatewayDuration = new Histogram({
  name: 'codexk8s_agent_gateway_duration_seconds',
  help: 'Agent gateway request handling time (authenticate, store, publish)',
  labelNames: ['route'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

/** `codexk8s_agent_gateway_connections_refused_total{reason}`: connections the edge limits closed. */
export const gatewayConnectionsRefused = new Counter({
  name: 'codexk8s_agent_gateway_connections_refused_total',
  help: 'Agent gateway connections closed by the edge limits: over_capacity, timeout',
  labelNames: ['reason'] as const,
});
