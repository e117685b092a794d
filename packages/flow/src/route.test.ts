import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENT_CATALOG, SERVICE_NAMES } from '@codex-k8s/contracts';
import { RUN_ENDED_EVENTS, RUN_KINDS, handles, handlesRun, routeOf, runKindOf, stepOf, type RouteStep } from './route.js';

const events = new Map(EVENT_CATALOG.map((d) => [d.type, d]));
const compact = (s: RouteStep): string => `${s.on.join('|')} -> ${s.service}${s.via === 'watch' ? ' (watch)' : ''} -> ${s.ok.join(', ')}${s.failed.length ? ` / ${s.failed.join(', ')}` : ''}`;
const ENDS = RUN_ENDED_EVENTS.join('|');

test('the kind comes from the row: code-only, full-env, or slot (full-env with a slot deploy)', () => {
  assert.equal(runKindOf({ runtime_mode: 'code-only', runtime_deploy: false }), 'code-only');
  assert.equal(runKindOf({ runtime_mode: 'code-only', runtime_deploy: true }), 'code-only', 'a code-only run never gets a slot');
  assert.equal(runKindOf({ runtime_mode: 'full-env', runtime_deploy: false }), 'full-env');
  assert.equal(runKindOf({ runtime_mode: 'full-env', runtime_deploy: true }), 'slot');
  assert.equal(runKindOf({ runtime_mode: null, runtime_deploy: false }), undefined, 'a row without a mode has no route');
});

test('code-only: the Job starts at run.created and nothing is cleaned up', () => {
  assert.deepEqual(routeOf('code-only').map(compact), [
    'webhook.received -> planner -> run.created / webhook.ignored',
    'run.created -> agent-launcher -> run.started / run.failed.launch_error',
    'run.started -> agent-launcher (watch) -> run.succeeded / run.failed, run.failed.job_not_found',
    'run.cancel_requested -> agent-launcher -> run.canceled',
  ]);
});

test('full-env: namespace, Job, end, namespace deleted; closing the issue deletes it at any time', () => {
  assert.deepEqual(routeOf('full-env').map(compact), [
    'webhook.received -> planner -> run.created / webhook.ignored',
    'run.created -> namespace-provisioner -> run.namespace.prepared / run.failed.launch_error',
    'run.namespace.prepared -> agent-launcher -> run.started / run.failed.launch_error',
    'run.started -> agent-launcher (watch) -> run.succeeded / run.failed, run.failed.job_not_found',
    `${ENDS} -> namespace-provisioner -> run.namespace.cleaned, run.namespace.cleanup_skipped / run.namespace.cleanup_failed`,
    'issue.runs.closed -> namespace-provisioner -> run.namespace.delete_by_system, run.namespace.cleanup_skipped / run.namespace.cleanup_failed',
    'run.cancel_requested -> agent-launcher -> run.canceled',
    'run.namespace.delete_requested -> namespace-provisioner -> run.namespace.delete_by_staff, run.namespace.cleanup_skipped / run.namespace.cleanup_failed',
  ]);
  assert.deepEqual(routeOf('full-env').map((s) => s.anytime ?? false), [false, false, false, false, false, true, true, true]);
});

test('slot: lease, slot namespace, deploy, TLS, Job, end, slot released', () => {
  assert.deepEqual(routeOf('slot').map(compact), [
    'webhook.received -> planner -> run.created / webhook.ignored',
    'run.created -> deployer -> slot.leased / run.failed.launch_error',
    'slot.leased -> namespace-provisioner -> run.namespace.prepared / run.failed.launch_error',
    'run.namespace.prepared -> deployer -> slot.unit.ready, slot.deployed / run.failed.launch_error',
    'slot.deployed -> tls-watcher -> slot.ready / slot.tls.failed, run.failed.launch_error',
    'slot.ready -> agent-launcher -> run.started / run.failed.launch_error',
    'run.started -> agent-launcher (watch) -> run.succeeded / run.failed, run.failed.job_not_found',
    `${ENDS} -> namespace-provisioner -> slot.released`,
    'run.cancel_requested -> agent-launcher -> run.canceled',
  ]);
});

/** The catalog grants the step: its service consumes its inputs (or, watching, emitted them) and emits its outputs. */
function assertGranted(where: string, s: RouteStep): void {
  for (const type of s.on) {
    const def = events.get(type);
    assert.ok(def, `${where}: ${type} is not in the catalog`);
    // A watch step follows what the service started itself: it emitted the trigger, it does not consume it.
    if (s.via === 'event') assert.ok(def.consumedBy.includes(s.service), `${where}: the catalog does not list ${s.service} in ${type} consumedBy`);
    else assert.ok(def.emittedBy.includes(s.service), `${where}: ${s.service} watches after ${type} but does not emit it`);
  }
  for (const type of [...s.ok, ...s.failed]) {
    assert.ok(events.get(type)?.emittedBy.includes(s.service), `${where}: the catalog does not list ${s.service} in ${type} emittedBy`);
  }
}

test('every step is one the event catalog grants: the service consumes its inputs and emits its outputs', () => {
  for (const kind of RUN_KINDS) for (const s of routeOf(kind)) assertGranted(`${kind}: ${compact(s)}`, s);
});

/**
 * Inputs that are not about a run, so no run's route has them: a staff redeploy belongs to a slot (the deployer
 * leases it for itself, between runs). Each is listed with its consumer, so any other off-route input still fails.
 */
const NOT_RUN_STEPS = new Set(['deployer <- slot.redeploy_requested']);

/** Services that observe runs and take no step of them: the recorder, and the reporter that tells GitHub. */
const OBSERVERS = new Set(['audit-writer', 'github-reporter']);

test('every input a service consumes in the catalog is a step of some route (the observers aside): nothing is handled off the route', () => {
  const used = new Set(RUN_KINDS.flatMap((k) => routeOf(k).filter((s) => s.via === 'event').flatMap((s) => s.on.map((t) => `${s.service} <- ${t}`))));
  const declared = EVENT_CATALOG.flatMap((d) => d.consumedBy.filter((svc) => !OBSERVERS.has(svc)).map((svc) => `${svc} <- ${d.type}`)).filter((p) => !NOT_RUN_STEPS.has(p));
  assert.deepEqual(declared.filter((p) => !used.has(p)), []);
});

test('each step waits for an event an earlier step (or an anytime step) of the same route emits (only the first and the anytime steps start from outside)', () => {
  for (const kind of RUN_KINDS) {
    const steps = routeOf(kind);
    // An anytime step (a staff cancel) may come before any other, so what it emits may start any step.
    const anytime = steps.filter((p) => p.anytime).flatMap((p) => [...p.ok, ...p.failed]);
    steps.forEach((s, i) => {
      if (i === 0 || s.anytime) return;
      const before = new Set([...steps.slice(0, i).flatMap((p) => [...p.ok, ...p.failed]), ...anytime]);
      for (const type of s.on) assert.ok(before.has(type), `${kind}: ${compact(s)} waits for ${type}, which no earlier step emits`);
    });
    const services = new Set<string>(SERVICE_NAMES);
    for (const s of steps) assert.ok(services.has(s.service));
    const pairs = steps.filter((s) => s.via === 'event').flatMap((s) => s.on.map((t) => `${s.service} <- ${t}`));
    assert.equal(new Set(pairs).size, pairs.length, `${kind}: a service takes one step per input`);
  }
});

test('services ask the route instead of reading flags: each input is a step of exactly the kinds that need it', () => {
  const kindsOf = (service: Parameters<typeof handles>[1], trigger: string) => RUN_KINDS.filter((k) => handles(k, service, trigger));
  assert.deepEqual(kindsOf('agent-launcher', 'run.created'), ['code-only']);
  assert.deepEqual(kindsOf('agent-launcher', 'run.namespace.prepared'), ['full-env']);
  assert.deepEqual(kindsOf('agent-launcher', 'slot.ready'), ['slot']);
  assert.deepEqual(kindsOf('agent-launcher', 'run.started'), [], 'following the Job is a watch, not a bus input');
  assert.deepEqual(kindsOf('namespace-provisioner', 'run.created'), ['full-env']);
  assert.deepEqual(kindsOf('namespace-provisioner', 'slot.leased'), ['slot']);
  for (const end of RUN_ENDED_EVENTS) assert.deepEqual(kindsOf('namespace-provisioner', end), ['full-env', 'slot'], end);
  assert.deepEqual(kindsOf('namespace-provisioner', 'issue.runs.closed'), ['full-env'], 'slot namespaces are shared by the project and kept');
  assert.deepEqual(kindsOf('deployer', 'run.created'), ['slot']);
  assert.deepEqual(kindsOf('deployer', 'run.namespace.prepared'), ['slot']);
  assert.deepEqual(kindsOf('tls-watcher', 'slot.deployed'), ['slot']);
  assert.equal(stepOf('slot', 'tls-watcher', 'slot.deployed')?.ok[0], 'slot.ready');
  assert.equal(stepOf('full-env', 'namespace-provisioner', 'run.failed')?.ok[0], 'run.namespace.cleaned');
  assert.equal(stepOf('slot', 'namespace-provisioner', 'run.failed')?.ok[0], 'slot.released');
});

test('handlesRun reads the kind from the row; an unknown run or a row without a mode takes no step', () => {
  assert.equal(handlesRun({ runtime_mode: 'full-env', runtime_deploy: true }, 'deployer', 'run.created'), true);
  assert.equal(handlesRun({ runtime_mode: 'full-env', runtime_deploy: false }, 'deployer', 'run.created'), false);
  assert.equal(handlesRun({ runtime_mode: null, runtime_deploy: true }, 'deployer', 'run.created'), false);
  assert.equal(handlesRun(undefined, 'agent-launcher', 'run.created'), false);
});

test('routes cannot be changed at run time', () => {
  const steps = routeOf('slot');
  assert.throws(() => (steps as RouteStep[]).push(steps[0] as RouteStep));
  assert.throws(() => ((steps[0] as { service: string }).service = 'deployer'));
  assert.throws(() => (steps[0]?.on as string[]).push('slot.ready'));
});
