import { runService } from '@codex-k8s/bus';
import { openServiceDb, pingDb } from '@codex-k8s/db';
import { errorMessage, readConfigOrExit, startPeriodic } from '@codex-k8s/runtime';
import { buildApp } from './app.js';
import { readConfig } from './config.js';
import { NAME } from './deps.js';
import { purgeOnce } from './purge.js';
import { createRateLimiter } from './rate-limit.js';

const config = readConfigOrExit(NAME, readConfig);
const db = await openServiceDb(NAME, config.DATABASE_URL, 10);

// The common start-up and shutdown of a bus service; its "consumers" are the agents' listener and the log
// retention pass (probes stay on the health port: agents holding the API listener must not fail liveness).
await runService({
  name: NAME,
  config,
  ready: () => pingDb(db),
  close: () => db.destroy(),
  start: async (bus, log) => {
    const app = buildApp({
      db,
      bus,
      log,
      limits: {
        logChunkMaxBytes: config.CODEXK8S_AGENT_LOG_CHUNK_MAX_BYTES,
        logMaxBytesPerRun: config.CODEXK8S_AGENT_LOG_MAX_BYTES_PER_RUN,
        artifactMaxBytes: config.CODEXK8S_AGENT_ARTIFACT_MAX_BYTES,
        artifactMaxBytesPerRun: config.CODEXK8S_AGENT_ARTIFACT_MAX_BYTES_PER_RUN,
      },
      limiter: createRateLimiter({ ratePerSecond: config.CODEXK8S_AGENT_RATE_PER_SECOND, burst: config.CODEXK8S_AGENT_RATE_BURST }),
      edge: {
        maxConnections: config.CODEXK8S_AGENT_GATEWAY_MAX_CONNECTIONS,
        headersTimeoutMs: config.CODEXK8S_AGENT_GATEWAY_HEADERS_TIMEOUT_MS,
        requestTimeoutMs: config.CODEXK8S_AGENT_GATEWAY_REQUEST_TIMEOUT_MS,
        keepAliveTimeoutMs: config.CODEXK8S_AGENT_GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
      },
    });
    const address = await app.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
    log.info({ address }, 'listening');
    const purge = startPeriodic(
      3_600_000,
      async () => {
        const n = await purgeOnce(db, config.CODEXK8S_AGENT_LOG_RETENTION_DAYS);
        if (n > 0) log.info({ chunks: n, days: config.CODEXK8S_AGENT_LOG_RETENTION_DAYS }, 'old agent log chunks deleted');
      },
      (err) => log.warn({ err: errorMessage(err) }, 'log retention pass failed'),
    );
    // New requests get 503 while in-flight ones finish; then the bus drains and the database closes (runService).
    return [{ close: async () => { await purge.close(); await app.close(); } }];
  },
});
