import { z } from 'zod';
import { defineEvent } from '../define.js';
import { RunRef } from './run.js';
import { GithubId, GithubName, IgnoreReason, IssueNumber, StorableText } from './webhook.js';

// What github-reporter did on GitHub. Comment bodies are rendered by the platform from validated event data (never a
// secret, never an agent's raw markdown); they are carried so an operator and `npm run dev` see exactly what was
// posted, or, in dry-run mode (no GitHub credentials configured), what would have been.

/** GitHub's limit for a comment body is 65,536 characters; the reporter's bodies stay far below it. */
export const COMMENT_BODY_MAX = 65_536;

/** The phases of a run's status comment, in order; a comment never moves back to an earlier one. */
export const StatusPhase = z.enum(['accepted', 'preparing', 'slot_deployed', 'slot_ready', 'agent_started', 'finished', 'cleaned_up']);
export type StatusPhase = z.infer<typeof StatusPhase>;

const CommentRef = z.object({
  /** Null in dry-run mode (nothing was posted). */
  comment_id: GithubId.nullable(),
  comment_url: z.string().max(2_048).nullable(),
  /** created: a new comment; updated: an existing one edited; adopted_and_updated: found again by its marker. */
  action: z.enum(['created', 'updated', 'adopted_and_updated', 'dry_run']),
  dry_run: z.boolean(),
  body: StorableText(COMMENT_BODY_MAX),
});

export const RunStatusCommentUpsertedData = RunRef.extend({
  repository_full_name: GithubName(512),
  issue_number: IssueNumber,
  phase: StatusPhase,
}).extend(CommentRef.shape);
export type RunStatusCommentUpsertedData = z.infer<typeof RunStatusCommentUpsertedData>;

export const RunStatusCommentUpsertedV1 = defineEvent({
  type: 'run.status.comment.upserted',
  version: 1,
  schema: RunStatusCommentUpsertedData,
  description:
    "The run's one status comment on its issue was created or edited in place to show `phase` (the newest phase known " +
    'when it was sent: updates missed during a GitHub outage are coalesced into one). Not emitted when the body did not change.',
  emittedBy: ['github-reporter'],
  consumedBy: ['audit-writer'],
});

export const WebhookIgnoredRepliedData = z
  .object({
    delivery_id: z.string().min(1).max(128),
    reason: IgnoreReason,
    repository_full_name: GithubName(512),
    issue_number: IssueNumber,
  })
  .extend(CommentRef.shape);
export type WebhookIgnoredRepliedData = z.infer<typeof WebhookIgnoredRepliedData>;

export const WebhookIgnoredRepliedV1 = defineEvent({
  type: 'webhook.ignored.replied',
  version: 1,
  schema: WebhookIgnoredRepliedData,
  description:
    'A person was told on the issue why their label started no run: a label conflict (names the conflicting labels) or a ' +
    'sender without permission. One reply per issue and story (the same conflicting labels or sender again posts nothing); ' +
    'other ignore reasons stay silent.',
  emittedBy: ['github-reporter'],
  consumedBy: ['audit-writer'],
});

export const WebhookRedeliveryRequestedData = z.object({
  /** The delivery's GUID (`X-GitHub-Delivery`): the platform's delivery id and this chain's correlation id. */
  delivery_id: z.string().min(1).max(128),
  /** GitHub's numeric id of the failed attempt that was asked to be sent again. */
  hook_delivery_id: GithubId,
  event_type: z.string().max(64),
  action: GithubName(255).nullable(),
  /** When GitHub last tried it, and what the ingress answered then (0: not reachable). */
  delivered_at: z.iso.datetime({ offset: true }),
  status_code: z.number().int().min(0).max(999),
  /** 1 for the first request for this delivery; bounded by CODEXK8S_GITHUB_REDELIVERY_MAX_ATTEMPTS. */
  attempt: z.number().int().positive().max(100),
});
export type WebhookRedeliveryRequestedData = z.infer<typeof WebhookRedeliveryRequestedData>;

export const WebhookRedeliveryRequestedV1 = defineEvent({
  type: 'webhook.redelivery_requested',
  version: 1,
  schema: WebhookRedeliveryRequestedData,
  description:
    "The resync found a delivery in the GitHub App's recent deliveries that the inbox never stored, and asked GitHub to " +
    'send it again (POST /app/hook/deliveries/{id}/attempts). The redelivered copy is an ordinary delivery: the inbox keeps one.',
  emittedBy: ['github-reporter'],
  consumedBy: ['audit-writer'],
});
