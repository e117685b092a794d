import { z } from 'zod';
import { defineEvent } from '../define.js';

export const GithubSender = z.object({ id: z.number().int(), login: z.string() });
export const GithubRepositoryRef = z.object({
  id: z.number().int(),
  full_name: z.string(),
  name: z.string(),
  clone_url: z.string().nullable(),
  private: z.boolean(),
  fork: z.boolean(),
});
export const GithubIssueRef = z.object({
  id: z.number().int(),
  number: z.number().int().positive(),
  title: z.string(),
  html_url: z.string().nullable(),
  state: z.string(),
  labels: z.array(z.string()),
  user: z.string().nullable(),
  is_pull_request: z.boolean(),
});

/** The normalised facts of one accepted delivery; the raw body stays in the `webhook_deliveries` inbox. */
export const WebhookReceivedData = z.object({
  source: z.literal('github'),
  delivery_id: z.string().min(1),
  event_type: z.string().min(1),
  action: z.string().nullable(),
  received_at: z.iso.datetime({ offset: true }),
  sender: GithubSender.nullable(),
  repository: GithubRepositoryRef.nullable(),
  installation_id: z.number().int().nullable(),
  issue: GithubIssueRef.nullable(),
  label: z.string().nullable(),
  payload_bytes: z.number().int().nonnegative(),
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
  delivery_id: z.string().min(1),
  event_type: z.string().min(1),
  action: z.string().nullable(),
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

/** Reason codes of the reference (section 4.2) plus the ones for non-trigger events. */
export const IgnoreReason = z.enum([
  'repository_not_bound_for_issue_label',
  'issue_event_not_trigger_label',
  'issue_trigger_label_conflict',
  'sender_login_missing',
  'sender_not_allowed',
  'sender_not_project_member',
  'sender_role_not_permitted',
  'event_not_supported',
  'payload_invalid',
]);

export const WebhookIgnoredData = z.object({
  source: z.literal('github'),
  delivery_id: z.string().min(1),
  event_type: z.string(),
  action: z.string().nullable(),
  reason: z.string().min(1),
  label: z.string().nullable(),
  run_kind: z.string().nullable(),
  binding_resolved: z.boolean(),
  conflicting_labels: z.array(z.string()),
  repository_full_name: z.string().nullable(),
  issue_number: z.number().int().nullable(),
  sender_login: z.string().nullable(),
});
export type WebhookIgnoredData = z.infer<typeof WebhookIgnoredData>;

export const WebhookIgnoredV1 = defineEvent({
  type: 'webhook.ignored',
  version: 1,
  schema: WebhookIgnoredData,
  description: 'The planner decided an accepted delivery starts no run; `reason` is the reference reason code.',
  emittedBy: ['planner'],
  consumedBy: ['audit-writer'],
});
