import {
  IssueRunsClosedV1,
  RunCreatedV1,
  WebhookIgnoredV1,
  deterministicId,
  type Envelope,
  type IgnoreReason,
  type WebhookReceivedData,
} from '@codex-k8s/contracts';
import type { Bus, MessageMeta } from '@codex-k8s/bus';
import { findBinding, findDelivery, findSender, insertRunOnce, listRunsOfIssue, type Db, type WebhookDeliveryRow } from '@codex-k8s/db';
// The names module alone: the package index loads the Kubernetes client (~70 MB), which the planner never uses.
import { runNamespaceName } from '@codex-k8s/kube/names';
import { TerminalError, errorMessage, type Logger } from '@codex-k8s/runtime';
import { authorizeSender, resolveTrigger, runtimeModeFor, slotDeploysEnabled, unusablePayload } from './decide.js';
import type { LabelCatalog } from './labels.js';

export interface PlannerDeps {
  readonly db: Db;
  readonly bus: Bus;
  readonly log: Logger;
  readonly catalog: LabelCatalog;
  readonly namespacePrefix: string;
  readonly fullEnvKinds: readonly string[];
}

type Event = Envelope<WebhookReceivedData>;

interface IgnoreWhy {
  readonly reason: IgnoreReason;
  readonly detail?: string;
  readonly label: string | null;
  readonly runKind: string | null;
  readonly conflicting?: readonly string[];
  readonly bound: boolean;
}

async function ignore(deps: PlannerDeps, e: Event, why: IgnoreWhy): Promise<void> {
  const d = e.data;
  await deps.bus.publish(WebhookIgnoredV1, {
    id: deterministicId('webhook.ignored', d.delivery_id),
    correlationId: e.correlationid,
    causationId: e.id,
    subject: `delivery/${d.delivery_id}`,
    data: {
      source: 'github',
      delivery_id: d.delivery_id,
      event_type: d.event_type,
      action: d.action,
      reason: why.reason,
      detail: why.detail === undefined ? null : storableDetail(why.detail),
      label: why.label,
      run_kind: why.runKind,
      binding_resolved: why.bound,
      conflicting_labels: [...(why.conflicting ?? [])],
      repository_full_name: d.repository?.full_name ?? null,
      issue_number: d.issue?.number ?? null,
      sender_login: d.sender?.login ?? null,
      installation_id: d.installation_id,
    },
  });
  deps.log.info({ delivery: d.delivery_id, reason: why.reason }, 'delivery ignored');
}

/**
 * An error message as `webhook.ignored` may carry it (pure): at most 2048 UTF-16 units, with U+0000 and unpaired
 * surrogates (which `jsonb` refuses, so the audit row would be lost) replaced by U+FFFD.
 */
export function storableDetail(message: string): string {
  return message
    .slice(0, 2048)
    .replaceAll('\u0000', '\ufffd')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/**
 * Whether a planning failure ends the delivery as `webhook.ignored` `planning_failed` instead of a retry (pure):
 * on the last delivery the consumer allows (a retry would only dead-letter it, with no reason recorded for the
 * delivery), or when the failure is permanent (TerminalError).
 */
export function endsAsPlanningFailed(err: unknown, meta: Pick<MessageMeta, 'lastDelivery'>): boolean {
  return meta.lastDelivery || err instanceof TerminalError;
}

/**
 * Why a `webhook.received` does not match a signed delivery in the inbox, or undefined when it does. Only the
 * ingress stores deliveries, after checking their signature: an event without its inbox row (or describing
 * another delivery) was not produced by an accepted webhook and starts nothing. Pure.
 */
export function inboxMismatch(d: Pick<WebhookReceivedData, 'delivery_id' | 'event_type' | 'action' | 'payload_bytes'>, correlationId: string, row: WebhookDeliveryRow | undefined): string | undefined {
  if (!row) return `no inbox row for delivery ${d.delivery_id}: not a signed delivery the ingress accepted`;
  if (correlationId !== d.delivery_id) return `correlation id ${correlationId} is not the delivery id ${d.delivery_id}`;
  if (row.event_type !== d.event_type || row.action !== d.action || row.payload_bytes !== d.payload_bytes) {
    return `delivery ${d.delivery_id} differs from its inbox row (event ${row.event_type}/${row.action ?? ''}, ${row.payload_bytes} bytes)`;
  }
  return undefined;
}

/**
 * Plans one accepted delivery: a trigger label on a bound repository by an allowed sender becomes exactly one
 * run (`agent_runs` keyed by the delivery id) and `run.created`; anything else becomes `webhook.ignored` with
 * an IgnoreReason code; `issues.closed` asks for the issue's run namespaces to be deleted.
 * Idempotent: a redelivered event finds the run it created and republishes the same event id. A failure on the
 * last allowed delivery (or a permanent one) becomes `webhook.ignored` `planning_failed` with the error, so the
 * delivery ends with a recorded reason instead of only a dead letter.
 * @throws TerminalError when the event has no matching inbox row (inboxMismatch): it is dead-lettered, not obeyed.
 */
export async function handleWebhookReceived(deps: PlannerDeps, e: Event, meta: Pick<MessageMeta, 'lastDelivery'>): Promise<void> {
  const d = e.data;
  const row = await findDelivery(deps.db, d.delivery_id);
  // The ingress publishes before its inbox transaction commits: a missing row is waited for, until the last delivery.
  if (!row && !meta.lastDelivery) throw new Error(`inbox row of delivery ${d.delivery_id} not visible yet; retrying`);
  const mismatch = inboxMismatch(d, e.correlationid, row);
  // Outside the planning_failed branch on purpose: a forged event is dead-lettered, never recorded as a delivery.
  if (mismatch) throw new TerminalError(`refusing webhook.received: ${mismatch}`);
  try {
    await plan(deps, e);
  } catch (err) {
    if (!endsAsPlanningFailed(err, meta)) throw err;
    deps.log.error({ delivery: d.delivery_id, err: errorMessage(err) }, 'planning failed for good; recorded as planning_failed');
    await ignore(deps, e, { reason: 'planning_failed', detail: errorMessage(err), label: d.label, runKind: null, bound: false });
  }
}

/** The decision itself, once the event is known to describe a signed delivery from the inbox. */
async function plan(deps: PlannerDeps, e: Event): Promise<void> {
  const d = e.data;
  const unusable = unusablePayload(d);
  if (unusable) return ignore(deps, e, { ...unusable, label: d.label, runKind: null, bound: false });
  if (d.event_type === 'issues' && d.action === 'closed') return handleIssueClosed(deps, e);
  const trigger = resolveTrigger(d, deps.catalog);
  if (trigger.kind === 'none') return;
  const binding = d.repository ? await findBinding(deps.db, d.repository.id) : undefined;
  if (trigger.kind === 'ignore') return ignore(deps, e, { ...trigger, bound: Boolean(binding) });
  if (!binding || !d.issue || !d.repository) {
    return ignore(deps, e, { reason: 'repository_not_bound_for_issue_label', label: trigger.label, runKind: trigger.runKind, bound: false });
  }
  const login = d.sender?.login ?? null;
  const denied = authorizeSender(login, login ? await findSender(deps.db, binding.project.id, login) : undefined);
  if (denied) return ignore(deps, e, { reason: denied, label: trigger.label, runKind: trigger.runKind, bound: true });

  const mode = runtimeModeFor(trigger.runKind, deps.fullEnvKinds, binding.project.settings);
  const runtimeDeploy = mode === 'full-env' && slotDeploysEnabled(binding.project.settings);
  const issueNumber = d.issue.number;
  const { run, inserted } = await insertRunOnce(
    deps.db,
    {
      correlationId: e.correlationid,
      projectId: binding.project.id,
      runtimeMode: mode,
      repositoryFullName: d.repository.full_name,
      issueNumber,
      runtimeDeploy,
      payload: {
        ...d,
        correlation_id: e.correlationid,
        project: { id: binding.project.id, slug: binding.project.slug, repository_id: binding.repository.id, services_yaml: binding.repository.services_yaml_path, binding_resolved: true },
        trigger: { source: 'issue_label', label: trigger.label, kind: trigger.runKind },
        runtime: { mode, source: 'trigger_default' },
      },
    },
    (runId) => (mode === 'full-env' && !runtimeDeploy ? runNamespaceName({ prefix: deps.namespacePrefix, projectId: binding.project.id, runId, issueNumber }) : null),
  );
  await deps.bus.publish(RunCreatedV1, {
    id: deterministicId('run.created', run.id),
    correlationId: e.correlationid,
    causationId: e.id,
    subject: `run/${run.id}`,
    data: {
      run_id: run.id,
      project_id: binding.project.id,
      project_slug: binding.project.slug,
      runtime_mode: mode,
      runtime_deploy: runtimeDeploy,
      namespace: run.namespace,
      trigger_kind: trigger.runKind,
      trigger_label: trigger.label,
      issue_number: issueNumber,
      repository_full_name: d.repository.full_name,
      sender_login: login ?? '',
      installation_id: d.installation_id,
    },
  });
  deps.log.info({ delivery: d.delivery_id, run: run.id, mode, inserted }, inserted ? 'run created' : 'run already existed; event republished');
}

async function handleIssueClosed(deps: PlannerDeps, e: Event): Promise<void> {
  const d = e.data;
  const binding = d.repository ? await findBinding(deps.db, d.repository.id) : undefined;
  if (!binding || !d.issue || !d.repository) return;
  const runs = (await listRunsOfIssue(deps.db, binding.project.id, d.issue.number)).filter((r) => r.namespace);
  if (runs.length === 0) return;
  await deps.bus.publish(IssueRunsClosedV1, {
    id: deterministicId('issue.runs.closed', d.delivery_id),
    correlationId: e.correlationid,
    causationId: e.id,
    subject: `issue/${d.repository.full_name}#${d.issue.number}`,
    data: { project_id: binding.project.id, repository_full_name: d.repository.full_name, issue_number: d.issue.number, run_ids: runs.map((r) => r.id) },
  });
}
