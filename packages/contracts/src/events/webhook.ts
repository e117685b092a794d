import { z } from 'zod';
import { defineEvent } from '../define.js';

// Bounds of what the platform stores. Every string here ends up in Postgres (`text` columns and `jsonb`), which
// cannot hold U+0000, and `jsonb` refuses an unpaired UTF-16 surrogate (`"\ud800"` in the JSON). GitHub names
// (logins, repositories, labels, actions) never contain control characters, so those are refused too: they would
// only reach logs, Kubernetes labels and SQL as something no GitHub object can be called.

/** Largest value of a Postgres `integer` column (`agent_runs.issue_number`, `webhook_deliveries.payload_bytes`). */
export const PG_INT_MAX = 2_147_483_647;

const PAIRED = '(?:[\\ud800-\\udbff][\\udc00-\\udfff])';
/** Text Postgres `text` and `jsonb` can hold: no NUL, no unpaired surrogate. */
export const STORABLE_TEXT = new RegExp(`^(?:[^\\u0000\\ud800-\\udfff]|${PAIRED})*$`);
/** A name: storable and without C0/C1 control characters or DEL. */
export const PRINTABLE_NAME = new RegExp(`^(?:[^\\u0000-\\u001f\\u007f-\\u009f\\ud800-\\udfff]|${PAIRED})*$`);

/** Free text (an issue title, a URL): at most `max` UTF-16 units, storable in `text` and `jsonb`. */
export const StorableText = (max: number) => z.string().max(max).regex(STORABLE_TEXT, 'contains U+0000 or an unpaired surrogate, which Postgres cannot store');
/** A GitHub name (login, repository, label, action): 1..`max` printable characters. */
export const GithubName = (max: number) => z.string().min(1).max(max).regex(PRINTABLE_NAME, 'contains control characters or an unpaired surrogate');
/** A GitHub database id: a positive integer JavaScript holds exactly (Postgres `bigint` holds more). */
export const GithubId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** An issue number the platform can act on: positive and within `agent_runs.issue_number` (`integer`). */
export const IssueNumber = z.number().int().positive().max(PG_INT_MAX);

export const GithubSender = z.object({ id: GithubId, login: GithubName(255) });
export const GithubRepositoryRef = z.object({
  id: GithubId,
  full_name: GithubName(512),
  name: GithubName(255),
  clone_url: GithubName(2048).nullable(),
  private: z.boolean(),
  fork: z.boolean(),
});
export const GithubIssueRef = z.object({
  id: GithubId,
  number: IssueNumber,
  title: StorableText(4096),
  html_url: GithubName(2048).nullable(),
  state: GithubName(64),
  labels: z.array(GithubName(255)).max(1000),
  user: GithubName(255).nullable(),
  is_pull_request: z.boolean(),
});

/** The normalised facts of one accepted delivery; the exact signed body stays in the `webhook_deliveries` inbox. */
export const WebhookReceivedData = z.object({
  source: z.literal('github'),
  delivery_id: z.string().min(1).max(128),
  event_type: z.string().min(1).max(64),
  action: GithubName(255).nullable(),
  received_at: z.iso.datetime({ offset: true }),
  sender: GithubSender.nullable(),
  repository: GithubRepositoryRef.nullable(),
  installation_id: GithubId.nullable(),
  issue: GithubIssueRef.nullable(),
  label: GithubName(255).nullable(),
  payload_bytes: z.number().int().nonnegative().max(PG_INT_MAX),
  /**
   * Parts of the payload that were present but not usable, recorded as null above (`issue.number`, `sender.login`,
   * ...): the planner tells "malformed" from "absent" by them. Defaulted so events published before it decode.
   */
  malformed_fields: z.array(z.string().max(256)).max(64).default([]),
});
export type WebhookReceivedData = z.infer<typeof WebhookReceivedData>;

export const WebhookReceivedV1 = defineEvent({
  type: 'webhook.received',
  version: 1,
  schema: WebhookReceivedData,
  description: 'A signed GitHub delivery was verified, stored in the inbox and accepted (HTTP 202).',
  emittedBy: ['webhook-ingress'],
  consumedBy: ['planner', 'audit-writer'],
});

export const WebhookDuplicateData = z.object({
  source: z.literal('github'),
  delivery_id: z.string().min(1).max(128),
  event_type: z.string().min(1).max(64),
  action: GithubName(255).nullable(),
  first_received_at: z.iso.datetime({ offset: true }),
});
export type WebhookDuplicateData = z.infer<typeof WebhookDuplicateData>;

export const WebhookDuplicateV1 = defineEvent({
  type: 'webhook.duplicate',
  version: 1,
  schema: WebhookDuplicateData,
  description:
    'A delivery id that was already accepted arrived again (GitHub redelivery or a retry). Answered 200 ' +
    '"duplicate"; one such event per delivery id, however many repeats. Never starts a second run.',
  emittedBy: ['webhook-ingress'],
  consumedBy: ['audit-writer'],
});

/**
 * Why the planner started no run for an accepted delivery: the codes the original codex-k8s uses, and the ones for
 * payloads the platform cannot act on and for planning that failed on its last allowed delivery. The planner emits
 * only these.
 */
export const IgnoreReason = z.enum([
  'repository_not_bound_for_issue_label',
  'issue_event_not_trigger_label',
  'issue_trigger_label_conflict',
  'sender_login_missing',
  'sender_not_allowed',
  'sender_not_project_member',
  'sender_role_read_only_not_permitted',
  /** `issue.number` is not a positive integer within Postgres `integer` (a string, 0, negative, fractional, 2^31). */
  'issue_number_invalid',
  /** Another part the decision needs is malformed (`detail` names it): an id, a name with control characters... */
  'payload_not_actionable',
  /** Planning kept failing until the last delivery the consumer allows (`detail` is the error). */
  'planning_failed',
]);
export type IgnoreReason = z.infer<typeof IgnoreReason>;

export const WebhookIgnoredData = z.object({
  source: z.literal('github'),
  delivery_id: z.string().min(1).max(128),
  event_type: z.string().max(64),
  action: GithubName(255).nullable(),
  reason: IgnoreReason,
  /** What went wrong, for `payload_not_actionable` (the malformed fields) and `planning_failed` (the error). */
  detail: StorableText(2048).nullable().default(null),
  label: GithubName(255).nullable(),
  run_kind: z.string().max(64).nullable(),
  binding_resolved: z.boolean(),
  conflicting_labels: z.array(GithubName(255)),
  repository_full_name: GithubName(512).nullable(),
  issue_number: IssueNumber.nullable(),
  sender_login: GithubName(255).nullable(),
  /** The GitHub App installation the delivery came through (null without an App): github-reporter replies through it. */
  installation_id: GithubId.nullable().default(null),
});
export type WebhookIgnoredData = z.infer<typeof WebhookIgnoredData>;

export const WebhookIgnoredV1 = defineEvent({
  type: 'webhook.ignored',
  version: 1,
  schema: WebhookIgnoredData,
  description: 'The planner decided an accepted delivery starts no run; `reason` is one of the IgnoreReason codes.',
  emittedBy: ['planner'],
  consumedBy: ['audit-writer', 'github-reporter'],
});
