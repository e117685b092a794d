import type { IgnoreReason, WebhookReceivedData } from '@codex-k8s/contracts';
import type { MemberRole } from '@codex-k8s/db';
import type { LabelCatalog } from './labels.js';

export type RuntimeMode = 'full-env' | 'code-only';

export type TriggerDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'ignore'; readonly reason: IgnoreReason; readonly label: string | null; readonly runKind: string | null; readonly conflicting: readonly string[] }
  | { readonly kind: 'trigger'; readonly label: string; readonly runKind: string };

/**
 * Step 1 of planning (reference 4.2 step 4), pure: does this delivery name a trigger? Only the label that was
 * just added counts; two or more catalogued labels on the issue are a conflict. Events other than
 * `issues.labeled` start no run and are not "ignored" either (their webhook.received is the record).
 */
export function resolveTrigger(d: WebhookReceivedData, catalog: LabelCatalog): TriggerDecision {
  if (d.event_type !== 'issues' || d.action !== 'labeled' || !d.issue) return { kind: 'none' };
  const added = d.label?.trim().toLowerCase() ?? '';
  const runKind = catalog.get(added);
  if (!runKind) return { kind: 'ignore', reason: 'issue_event_not_trigger_label', label: d.label, runKind: null, conflicting: [] };
  const onIssue = [...new Set(d.issue.labels.map((l) => l.trim().toLowerCase()).filter((l) => catalog.has(l)))];
  if (onIssue.length > 1) return { kind: 'ignore', reason: 'issue_trigger_label_conflict', label: d.label, runKind, conflicting: onIssue.sort() };
  return { kind: 'trigger', label: added, runKind };
}

/** What the platform knows of the sender in the bound project. */
export type SenderFacts = { readonly platformAdmin: boolean; readonly role: MemberRole | null } | undefined;

/**
 * Step 2 (reference 4.2 step 5), pure: may this GitHub login start runs in the project? Platform admins may;
 * otherwise project members with role admin or read_write. Returns the reason code when not.
 */
export function authorizeSender(login: string | null, sender: SenderFacts): IgnoreReason | null {
  if (!login) return 'sender_login_missing';
  if (!sender) return 'sender_not_allowed';
  if (sender.platformAdmin) return null;
  if (!sender.role) return 'sender_not_project_member';
  if (sender.role === 'admin' || sender.role === 'read_write') return null;
  return 'sender_role_read_only_not_permitted';
}

/** Parts of an issue delivery the planner decides on; a malformed `installation` does not matter to it. */
const DECISION_PARTS = ['action', 'issue', 'label', 'repository', 'sender'];

/**
 * Step 0, pure: an `issues` delivery the planner would act on (labeled, closed, or whose action is malformed)
 * whose payload cannot be acted on: `issue_number_invalid` when the issue number is not a positive integer within
 * Postgres `integer` (the ingress accepted it: it is signed and well-formed JSON), `payload_not_actionable` for
 * any other malformed part it needs or a missing issue. `detail` names the fields. Null when the payload is usable.
 */
export function unusablePayload(d: WebhookReceivedData): { readonly reason: IgnoreReason; readonly detail: string } | null {
  if (d.event_type !== 'issues') return null;
  const malformed = d.malformed_fields.filter((f) => DECISION_PARTS.includes(f.split('.')[0] ?? ''));
  const actsOn = d.action === 'labeled' || d.action === 'closed' || malformed.some((f) => f === 'action');
  if (!actsOn) return null;
  if (malformed.length === 0) return d.issue ? null : { reason: 'payload_not_actionable', detail: 'issue missing' };
  const reason = malformed.some((f) => f === 'issue.number') ? 'issue_number_invalid' : 'payload_not_actionable';
  return { reason, detail: `malformed: ${malformed.join(', ')}` };
}

/**
 * Runtime mode (reference 4.4, S2D3): full-env for the kinds that need the project's stack (default `dev`
 * and `dev_revise`), code-only for everything else. A project may replace the list in its settings
 * (`full_env_trigger_kinds`).
 */
export function runtimeModeFor(runKind: string, defaults: readonly string[], projectSettings: unknown): RuntimeMode {
  const override = (projectSettings as { full_env_trigger_kinds?: unknown } | null)?.full_env_trigger_kinds;
  const kinds = Array.isArray(override) && override.every((k) => typeof k === 'string') ? (override as string[]) : defaults;
  return kinds.includes(runKind) ? 'full-env' : 'code-only';
}

/**
 * Whether a project's full-env runs get a slot with the project's whole stack (its services.yaml deployed by the
 * deployer) instead of an empty per-run namespace: `settings.runtime_deploy: true` (npm run admin -- project add
 * --slots). Off by default.
 */
export function slotDeploysEnabled(projectSettings: unknown): boolean {
  return (projectSettings as { runtime_deploy?: unknown } | null)?.runtime_deploy === true;
}
