import { hostname } from 'node:os';
import { WebhookIgnoredV1 } from '@codex-k8s/contracts';
import { consumeEvents, on, runService } from '@codex-k8s/bus';
import { openServiceDb, pingDb, rateLimitedUntil, recordRateLimit } from '@codex-k8s/db';
import { readConfigOrExit, type Periodic } from '@codex-k8s/runtime';
import { dryRunCommentWriter, githubCommentWriter } from './comments.js';
import { readConfig, webUrlOf } from './config.js';
import { NAME, type ReporterDeps } from './deps.js';
import { createGithubClient } from './github-client.js';
import { handleIgnored } from './ignored-reply.js';
import { startResync } from './resync.js';
import { handleStatusEvent } from './status-comment.js';
import { STATUS_ROUTES } from './status-events.js';

const config = readConfigOrExit(NAME, readConfig);
// A comment write holds a connection for its transaction (through its GitHub calls) and reads the shared rate
// limit on another: two per message in flight, and two for the resync.
const db = await openServiceDb(NAME, config.DATABASE_URL, config.BUS_CONCURRENCY * 2 + 2);

await runService({
  name: NAME,
  config,
  ready: () => pingDb(db),
  close: () => db.destroy(),
  start: async (bus, log) => {
    const client =
      config.auth.kind === 'dry_run'
        ? null
        : createGithubClient({
            auth: config.auth,
            apiUrl: config.GITHUB_API_URL,
            requestTimeoutMs: config.CODEXK8S_GITHUB_REQUEST_TIMEOUT_MS,
            inlineWaitMaxMs: config.CODEXK8S_GITHUB_INLINE_WAIT_MAX_MS,
            log,
            userAgent: `codex-k8s-${NAME}`,
            limits: { until: (scope) => rateLimitedUntil(db, scope), record: (scope, until) => recordRateLimit(db, scope, until) },
          });
    log.info({ mode: config.auth.kind, api: config.GITHUB_API_URL }, client ? 'reporting to GitHub' : 'dry run: no GitHub credentials, comment bodies are logged and recorded, nothing is posted');
    const deps: ReporterDeps = {
      db,
      bus,
      log,
      writer: client ? githubCommentWriter(client) : dryRunCommentWriter(log),
      consoleUrl: config.CODEXK8S_STAFF_CONSOLE_URL,
      githubWebUrl: webUrlOf(config.GITHUB_API_URL),
    };
    const consumer = await consumeEvents(bus, {
      durable: NAME,
      config,
      backoffMs: config.CODEXK8S_GITHUB_RETRY_BACKOFF_MS,
      routes: [
        // Every run event updates the run's one status comment: one handler, the event's own update function.
        ...STATUS_ROUTES.map((r) => on(r.def, (e) => handleStatusEvent(deps, r, e))),
        on(WebhookIgnoredV1, (e) => handleIgnored(deps, e)),
      ],
    });
    let resync: Periodic | undefined;
    if (client?.withApp && config.CODEXK8S_GITHUB_RESYNC_INTERVAL_MS > 0) {
      resync = startResync({ ...deps, app: client.withApp }, {
        intervalMs: config.CODEXK8S_GITHUB_RESYNC_INTERVAL_MS,
        lookbackMs: config.CODEXK8S_GITHUB_RESYNC_LOOKBACK_MS,
        minAgeMs: config.CODEXK8S_GITHUB_RESYNC_MIN_AGE_MS,
        maxPages: config.CODEXK8S_GITHUB_RESYNC_MAX_PAGES,
        maxRequests: config.CODEXK8S_GITHUB_RESYNC_MAX_REQUESTS,
        maxAttempts: config.CODEXK8S_GITHUB_REDELIVERY_MAX_ATTEMPTS,
        holder: `${hostname()}/${process.pid}`,
      });
    }
    // The resync stops with the consumers, before the bus drains (its pass in progress may still publish).
    return resync ? [consumer, resync] : [consumer];
  },
});
