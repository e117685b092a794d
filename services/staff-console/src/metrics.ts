import { Counter, Gauge, Histogram } from 'prom-client';

/** `codexk8s_staff_console_requests_total{route,status}`: one count per API request. */
export const consoleRequests = new Counter({
  name: 'codexk8s_staff_console_requests_total',
  help: 'Staff console API requests by route pattern and status code',
  labelNames: ['route', 'status'] as const,
});

/** `codexk8s_staff_console_duration_seconds{route}`: from request to response. */
export const consoleDuration = new Histogram({
  name: 'codexk8s_staff_console_duration_seconds',
  help: 'Staff console API request handling time',
  labelNames: ['route'] as const,
  buckets: [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30],
});

/** `codexk8s_staff_console_connections_refused_total{reason}`: connections the edge limits closed. */
export const consoleConnectionsRefused = new Counter({
  name: 'codexk8s_staff_console_connections_refused_total',
  help: 'Staff console connections closed by the edge limits: over_capacity, timeout',
  labelNames: ['reason'] as const,
});

/** `codexk8s_staff_console_streams`: open live streams on this replica. */
export const consoleStreams = new Gauge({ name: 'codexk8s_staff_console_streams', help: 'Open live (server-sent events) streams on this replica' });
