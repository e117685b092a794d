import { runService } from '@codex-k8s/bus';
import { openServiceDb, pingDb, purgeStaffSessions } from '@codex-k8s/db';
import { loadKubeConfig } from '@codex-k8s/kube';
import { CoreV1Api } from '@kubernetes/client-node';
import { errorMessage, readConfigOrExit, startPeriodic } from '@codex-k8s/runtime';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
import { trustedProxies } from './auth.js';
import { readConfig } from './config.js';
import { NAME } from './deps.js';
import { podLogReader } from './pod-log.js';
import { StreamHub } from './stream-hub.js';
import { loadUi } from './ui.js';

const config = readConfigOrExit(NAME, readConfig);
const db = await openServiceDb(NAME, config.DATABASE_URL, 10);
const core = loadKubeConfig(config.KUBECONFIG).makeApiClient(CoreV1Api);

// The common start-up and shutdown of a bus service; its "consumers" are the HTTP listener, the live stream's
// poller and the session purge (probes stay on the health port).
await runService({
  name: NAME,
  config,
  ready: () => pingDb(db),
  close: () => db.destroy(),
  start: async (bus, log) => {
    const hub = new StreamHub(db, log, config.CODEXK8S_STAFF_STREAM_POLL_MS);
    const uiDir = config.CODEXK8S_STAFF_UI_DIR ?? fileURLToPath(new URL('../dist/public/', import.meta.url));
    const ui = loadUi(uiDir);
    if (ui.size === 0) log.warn({ dir: uiDir }, 'the UI is not built (npm run build): only the API is served');
    const app = buildApp({
      db,
      bus,
      log,
      hub,
      ui,
      secret: config.CODEXK8S_STAFF_SECRET,
      labelDomain: config.CODEXK8S_LABEL_DOMAIN,
      platformNamespace: config.CODEXK8S_PLATFORM_NAMESPACE,
      actionWaitMs: config.CODEXK8S_STAFF_ACTION_WAIT_MS,
      podLog: podLogReader(core),
      trusted: trustedProxies(config.CODEXK8S_STAFF_TRUSTED_PROXIES),
      loginLinks: config.CODEXK8S_STAFF_LOGIN_LINKS,
      sessionTtlSeconds: config.CODEXK8S_STAFF_SESSION_TTL_SECONDS,
      maxStreams: config.CODEXK8S_STAFF_MAX_STREAMS,
      edge: {
        maxConnections: config.CODEXK8S_STAFF_MAX_CONNECTIONS,
        headersTimeoutMs: config.CODEXK8S_STAFF_HEADERS_TIMEOUT_MS,
        requestTimeoutMs: config.CODEXK8S_STAFF_REQUEST_TIMEOUT_MS,
        keepAliveTimeoutMs: config.CODEXK8S_STAFF_KEEP_ALIVE_TIMEOUT_MS,
      },
    });
    const address = await app.listen({ port: config.HTTP_PORT, host: config.HTTP_HOST });
    log.info({ address, loginLinks: config.CODEXK8S_STAFF_LOGIN_LINKS, trustedProxies: config.CODEXK8S_STAFF_TRUSTED_PROXIES }, 'listening');
    const purge = startPeriodic(
      3_600_000,
      () => purgeStaffSessions(db),
      (err) => log.warn({ err: errorMessage(err) }, 'session purge failed'),
    );
    // New requests get 503 while in-flight ones finish and the live streams end; then the bus drains and the database closes.
    return [{ close: async () => { await purge.close(); await hub.close(); await app.close(); } }];
  },
});
