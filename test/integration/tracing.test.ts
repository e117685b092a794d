import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { WebhookReceivedV1, subjectFor } from '@codex-k8s/contracts';
import { listFlowEvents } from '@codex-k8s/db';
import { connectAs } from '../support/bus.js';
import { freshDatabase } from '../support/database.js';
import { requireEnv, uniqueBus } from '../support/env.js';
import { eventually, sign } from '../support/github.js';
import { startOtlpReceiver } from '../support/otlp.js';
import { startService } from '../support/services.js';

const SECRET = 'trace-secret';
const fixture = readFileSync(new URL('../fixtures/issues-labeled.json', import.meta.url));

// One webhook is one trace: the caller's traceparent is continued by webhook-ingress, travels in the NATS
// message headers, and audit-writer's consumer span joins the same trace; both export over OTLP.
test('the W3C trace context crosses HTTP, JetStream headers and the consuming service', async () => {
  const otlp = await startOtlpReceiver();
  const tdb = await freshDatabase();
  const bus = uniqueBus();
  const env = { ...bus, NATS_URL: requireEnv('NATS_URL'), DATABASE_URL: tdb.url, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
  const [ingress, audit] = await Promise.all([
    startService('webhook-ingress', { ...env, CODEXK8S_GITHUB_WEBHOOK_SECRET: SECRET }, { http: true }),
    startService('audit-writer', env),
  ]);
  const nc = await connectAs();
  try {
    const traceId = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const delivery = randomUUID();
    const res = await fetch(`http://127.0.0.1:${ingress.httpPort}/api/v1/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-delivery': delivery,
        'x-github-event': 'issues',
        'x-hub-signature-256': sign(SECRET, fixture),
        traceparent: `00-${traceId}-${callerSpan}-01`,
      },
      body: fixture,
    });
    assert.equal(res.status, 202);

    const msg = await (await jetstreamManager(nc)).streams.getMessage(bus.BUS_STREAM, { last_by_subj: subjectFor(bus.BUS_SUBJECT_ROOT, WebhookReceivedV1) });
    const header = msg?.header.get('traceparent') ?? '';
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/.exec(header);
    assert.ok(m, `traceparent header on the stream message: ${header}`);
    assert.equal(m[1], traceId, 'the message carries the caller trace id');
    assert.notEqual(m[2], callerSpan, 'with the ingress span as parent');

    await eventually('flow event', async () => ((await listFlowEvents(tdb.db, delivery)).length === 1 ? true : undefined));
    const spans = await eventually(
      'spans of both services exported',
      async () => {
        const mine = otlp.spans.filter((s) => s.traceId === traceId);
        return mine.some((s) => s.service === 'webhook-ingress') && mine.some((s) => s.service === 'audit-writer') ? mine : undefined;
      },
      15_000,
    );
    const server = spans.find((s) => s.service === 'webhook-ingress' && s.name === 'POST /api/v1/webhooks/github');
    assert.ok(server, 'the ingress server span');
    assert.equal(server.parentSpanId, callerSpan, 'continues the caller span');
    const consumer = spans.find((s) => s.service === 'audit-writer' && s.name.endsWith('process'));
    assert.ok(consumer, 'the audit-writer consumer span');
    assert.ok(spans.some((s) => s.spanId === consumer.parentSpanId && s.service === 'webhook-ingress'), 'whose parent is an ingress span');
  } finally {
    await nc.close();
    await Promise.all([ingress.stop(), audit.stop()]);
    await tdb.drop();
    await otlp.close();
  }
});
