import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { issuePayload, startPlatform, type Platform } from '../support/platform.js';

const scrape = async (port: number): Promise<string> => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

// What an operator's Prometheus sees on every service after one run: process metrics, per-consumer message counts
// and handler durations, consumer lag, and the database pool.
describe('metrics on every service', () => {
  let p: Platform;
  before(async () => {
    p = await startPlatform();
  });
  after(async () => p?.stop());

  test('process, bus consumer, database pool and run phase metrics are served and count the run', async () => {
    const delivery = await p.deliver(issuePayload({ issueNumber: 4242 }));
    await p.waitFor(delivery, ['run.namespace.cleaned'], 60_000);
    for (const [name, s] of p.services) {
      const text = await scrape(s.healthPort);
      assert.ok((value(text, 'process_resident_memory_bytes') ?? 0) > 0, `${name}: process metrics`);
      assert.ok((value(text, `codexk8s_db_pool_connections{pool="${name}",state="total"}`) ?? -1) >= 0, `${name}: pool gauge`);
    }
    const provisioner = await scrape(p.services.get('namespace-provisioner')?.healthPort ?? 0);
    assert.ok((value(provisioner, 'codexk8s_bus_messages_total{consumer="namespace-provisioner--run-created-v1",outcome="ack"}') ?? 0) >= 1, 'run.created handled and acked');
    assert.ok((value(provisioner, 'codexk8s_bus_handler_seconds_count{consumer="namespace-provisioner--run-created-v1"}') ?? 0) >= 1, 'handler duration observed');
    assert.notEqual(value(provisioner, 'codexk8s_bus_consumer_pending{consumer="namespace-provisioner--run-created-v1"}'), undefined, 'consumer lag');
    const launcher = await scrape(p.services.get('agent-launcher')?.healthPort ?? 0);
    for (const phase of ['started', 'finished']) assert.ok((value(launcher, `codexk8s_run_phase_seconds_count{phase="${phase}"}`) ?? 0) >= 1, `run phase ${phase}`);
    assert.ok((value(provisioner, 'codexk8s_run_phase_seconds_count{phase="namespace_prepared"}') ?? 0) >= 1, 'run phase namespace_prepared');
    const audit = await scrape(p.services.get('audit-writer')?.healthPort ?? 0);
    assert.ok((value(audit, 'codexk8s_bus_messages_total{consumer="audit-writer",outcome="ack"}') ?? 0) >= 5, 'every event of the run recorded and acked by the batch consumer');
    const planner = await scrape(p.services.get('planner')?.healthPort ?? 0);
    assert.ok((value(planner, 'codexk8s_bus_messages_total{consumer="planner--webhook-received-v1",outcome="ack"}') ?? 0) >= 1);
  });
});
