import type { RuntimeMode, ServiceName } from '@codex-k8s/contracts';
import { z } from 'zod';

// The route of a run: which service acts on which event, in which order, for each kind of run. It is the one place
// that says so; services ask `handles` / `handlesRun` instead of reading the row's flags, docs/route.md is generated
// from it (`npm run docs:route`), and its test checks every step against the event catalog (consumedBy/emittedBy).

/** The kinds of run, each with its own route. */
export const RUN_KINDS = ['code-only', 'full-env', 'slot'] as const;
export const RunKind = z.enum(RUN_KINDS);
export type RunKind = z.infer<typeof RunKind>;

/** What each kind is, in a sentence (for docs/route.md). */
export const RUN_KIND_SUMMARY: Readonly<Record<RunKind, string>> = Object.freeze({
  'code-only': 'The agent works on the code alone: its Job runs in the platform namespace as an identity without any Kubernetes rights, and nothing is deployed for it.',
  'full-env': 'The run gets its own namespace with a least-privilege baseline; the agent Job runs there, and the namespace is deleted when the run ends.',
  slot: "A full-env run of a project with slot deploys: it leases one of the project's slots, the project's whole stack (services.yaml) is deployed into the slot namespace with an HTTPS host, and the agent starts only once the slot is ready. The slot is freed when the run ends; its namespace and stack stay.",
});

/** The facts of a run row that decide its kind (`agent_runs.runtime_mode`, `agent_runs.runtime_deploy`, written by the planner). */
export interface RunKindFacts {
  readonly runtime_mode: RuntimeMode | null;
  readonly runtime_deploy: boolean;
}

/**
 * The kind of a run from its row: code-only, full-env, or slot (full-env with a slot deploy); undefined for a row
 * without a runtime mode (it has no route). Pure.
 */
export function runKindOf(run: RunKindFacts): RunKind | undefined {
  if (run.runtime_mode === 'code-only') return 'code-only';
  if (run.runtime_mode === 'full-env') return run.runtime_deploy ? 'slot' : 'full-env';
  return undefined;
}

/** One step of a route: on which event(s), which service does what, and what it emits. */
export interface RouteStep {
  /** The event type(s) that start the step; several only for one family of inputs (the run's end). */
  readonly on: readonly string[];
  /**
   * How the service learns of it: `event`, one of its durable consumers (the catalog lists the service in the
   * event's consumedBy); `watch`, the service follows what it started itself after emitting `on` (the agent Job).
   */
  readonly via: 'event' | 'watch';
  readonly service: ServiceName;
  /** What it does, in a few words. */
  readonly does: string;
  /** What it emits when the step succeeds, in order. */
  readonly ok: readonly string[];
  /** What it emits when the step fails (the run ends, or the failure is recorded). */
  readonly failed: readonly string[];
  /** The step may come at any point of the run, not only after the step before it (an issue can close any time). */
  readonly anytime?: boolean;
}

/** The events that end a run; they share one event id per run (`runEndedEventId`), so a run ends once. */
export const RUN_ENDED_EVENTS: readonly string[] = Object.freeze(['run.succeeded', 'run.failed', 'run.failed.job_not_found', 'run.failed.launch_error', 'run.canceled']);

const LAUNCH_ERROR = 'run.failed.launch_error';

const plan: RouteStep = {
  on: ['webhook.received'],
  via: 'event',
  service: 'planner',
  does: 'checks the label, the repository binding and the sender, then records the run and its kind in agent_runs',
  ok: ['run.created'],
  failed: ['webhook.ignored'],
};

const follow: RouteStep = {
  on: ['run.started'],
  via: 'watch',
  service: 'agent-launcher',
  does: 'follows the Job (watch on Jobs and pods, periodic resync) until it ends',
  ok: ['run.succeeded'],
  failed: ['run.failed', 'run.failed.job_not_found'],
};

/** A staff member's cancel (staff console): any kind of run, at any point while it lives. */
const cancel: RouteStep = {
  on: ['run.cancel_requested'],
  via: 'event',
  service: 'agent-launcher',
  does: "a staff member canceled the live run: claims its end, deletes its Job (if one was created) and ends it",
  ok: ['run.canceled'],
  failed: [],
  anytime: true,
};

const launch = (on: string, where: string): RouteStep => ({
  on: [on],
  via: 'event',
  service: 'agent-launcher',
  does: `creates (or adopts) the agent Job codex-k8s-run-<run> ${where}`,
  ok: ['run.started'],
  failed: [LAUNCH_ERROR],
});

const prepare = (on: string, does: string): RouteStep => ({ on: [on], via: 'event', service: 'namespace-provisioner', does, ok: ['run.namespace.prepared'], failed: [LAUNCH_ERROR] });

const freeze = (steps: readonly RouteStep[]): readonly RouteStep[] => Object.freeze(steps.map((s) => Object.freeze({ ...s, on: Object.freeze([...s.on]), ok: Object.freeze([...s.ok]), failed: Object.freeze([...s.failed]) })));

const ROUTES: Readonly<Record<RunKind, readonly RouteStep[]>> = Object.freeze({
  'code-only': freeze([plan, launch('run.created', 'in the platform namespace as the code-only ServiceAccount (no RBAC, no token)'), follow, cancel]),
  'full-env': freeze([
    plan,
    prepare('run.created', 'creates (or adopts) the run namespace named in the run row and applies its baseline (ServiceAccount, Role, RoleBinding, ResourceQuota, LimitRange, NetworkPolicy)'),
    launch('run.namespace.prepared', 'in the run namespace as the run ServiceAccount'),
    follow,
    {
      on: RUN_ENDED_EVENTS,
      via: 'event',
      service: 'namespace-provisioner',
      does: 'once the run row says the run ended: deletes the run namespace (or keeps it and says why)',
      ok: ['run.namespace.cleaned', 'run.namespace.cleanup_skipped'],
      failed: ['run.namespace.cleanup_failed'],
    },
    {
      on: ['issue.runs.closed'],
      via: 'event',
      service: 'namespace-provisioner',
      does: "the run's issue was closed: deletes the run namespace",
      ok: ['run.namespace.delete_by_system', 'run.namespace.cleanup_skipped'],
      failed: ['run.namespace.cleanup_failed'],
      anytime: true,
    },
    cancel,
    {
      on: ['run.namespace.delete_requested'],
      via: 'event',
      service: 'namespace-provisioner',
      does: "a staff member asked to delete the ended run's namespace: deletes it (or records it was already gone)",
      ok: ['run.namespace.delete_by_staff', 'run.namespace.cleanup_skipped'],
      failed: ['run.namespace.cleanup_failed'],
      anytime: true,
    },
  ]),
  slot: freeze([
    plan,
    {
      on: ['run.created'],
      via: 'event',
      service: 'deployer',
      does: "leases the project's lowest free slot, fetches the repository at the bound ref and resolves services.yaml for that slot",
      ok: ['slot.leased'],
      failed: [LAUNCH_ERROR],
    },
    prepare('slot.leased', "prepares the slot namespace (claimed for the run's project at lease time) with the run labels and the baseline"),
    {
      on: ['run.namespace.prepared'],
      via: 'event',
      service: 'deployer',
      does: 'deploys the stack of services.yaml into the slot namespace in order, each unit ready before the next',
      ok: ['slot.unit.ready', 'slot.deployed'],
      failed: [LAUNCH_ERROR],
    },
    {
      on: ['slot.deployed'],
      via: 'event',
      service: 'tls-watcher',
      does: "waits until the slot's certificate is Ready for the slot host (a slot without a host is ready at once)",
      ok: ['slot.ready'],
      failed: ['slot.tls.failed', LAUNCH_ERROR],
    },
    launch('slot.ready', 'in the slot namespace as the run ServiceAccount, with the public URL in its environment'),
    follow,
    {
      on: RUN_ENDED_EVENTS,
      via: 'event',
      service: 'namespace-provisioner',
      does: 'once the run row says the run ended: frees the slot; the slot namespace and its stack stay for manual checks and the next run',
      ok: ['slot.released'],
      failed: [],
    },
    cancel,
  ]),
});

/** The steps of a kind of run, in order (steps marked `anytime` last). Pure. */
export function routeOf(kind: RunKind): readonly RouteStep[] {
  return ROUTES[kind];
}

/**
 * The step of a kind's route that `service` takes when it consumes `trigger` (an event type), or undefined when that
 * event is not a step of this service in this route (another kind's step: the service leaves it alone). Only bus
 * inputs count (`via: 'event'`). Pure.
 */
export function stepOf(kind: RunKind, service: ServiceName, trigger: string): RouteStep | undefined {
  return ROUTES[kind].find((s) => s.via === 'event' && s.service === service && s.on.includes(trigger));
}

/** Whether `service` acts on `trigger` for a run of this kind (stepOf found a step). Pure. */
export function handles(kind: RunKind, service: ServiceName, trigger: string): boolean {
  return stepOf(kind, service, trigger) !== undefined;
}

/**
 * Whether `service` acts on `trigger` for this run, its kind read from its row (runKindOf); false for an unknown
 * run or a row without a runtime mode. Whether the run is still live is the caller's question (isLiveRun). Pure.
 */
export function handlesRun(run: RunKindFacts | undefined, service: ServiceName, trigger: string): boolean {
  const kind = run ? runKindOf(run) : undefined;
  return kind !== undefined && handles(kind, service, trigger);
}
