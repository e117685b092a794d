import { GithubId, GithubName, IssueNumber, STORABLE_TEXT, StorableText, type WebhookReceivedData } from '@codex-k8s/contracts';
import { z } from 'zod';

// Tolerant readers of the GitHub payload parts we need, built once at module load (not per request). They use the
// contract's bounds, so what they accept always fits `webhook.received` and the columns behind it; a part that is
// present but does not match is recorded as null and named in `malformed_fields` (the planner then says why it
// ignores the delivery). Text the platform cannot store at all is refused before that (unstorableField).
const Action = GithubName(255);
const Sender = z.object({ id: GithubId, login: GithubName(255) });
const Repository = z.object({
  id: GithubId,
  full_name: GithubName(512),
  name: GithubName(255),
  clone_url: GithubName(2048).nullish(),
  private: z.boolean().default(false),
  fork: z.boolean().default(false),
});
const Issue = z.object({
  id: GithubId,
  number: IssueNumber,
  title: StorableText(4096).default(''),
  html_url: GithubName(2048).nullish(),
  state: GithubName(64).default('open'),
  labels: z.array(z.object({ name: GithubName(255) })).max(1000).default([]),
  user: z.object({ login: GithubName(255) }).nullish(),
  pull_request: z.unknown().optional(),
});
const Label = z.object({ name: GithubName(255) });
const Installation = z.object({ id: GithubId });

/**
 * Every payload string normalizeDelivery copies into the inbox columns or the `webhook.received` event (`*` is
 * each array element). Only these are checked: the rest of the body is kept as bytes and may hold anything.
 */
export const STORED_TEXT_PATHS: readonly string[] = [
  'action',
  'repository.full_name',
  'repository.name',
  'repository.clone_url',
  'sender.login',
  'issue.title',
  'issue.html_url',
  'issue.state',
  'issue.user.login',
  'issue.labels.*.name',
  'label.name',
];

const STORED_TEXT_SEGMENTS: readonly (readonly string[])[] = STORED_TEXT_PATHS.map((p) => p.split('.'));

/** A signed, well-formed delivery the platform cannot store (answered 422 with the message, never retried). */
export class UnstorablePayloadError extends Error {
  override readonly name = 'UnstorablePayloadError';
  constructor(readonly field: string) {
    super(`${field} contains U+0000 or an unpaired surrogate, which the platform cannot store`);
  }
}

function* stringsAt(value: unknown, segments: readonly string[], path: string): Generator<[string, string]> {
  if (segments.length === 0) {
    if (typeof value === 'string') yield [path, value];
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const [head, ...rest] = segments as [string, ...string[]];
  if (head === '*') {
    if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* stringsAt(v, rest, `${path}.${i}`);
    return;
  }
  if (Array.isArray(value) || !Object.hasOwn(value, head)) return;
  yield* stringsAt((value as Record<string, unknown>)[head], rest, path ? `${path}.${head}` : head);
}

/**
 * The first payload field the platform would store but cannot (Postgres `text` and `jsonb` refuse U+0000, `jsonb`
 * an unpaired surrogate), or undefined. Pure.
 */
export function unstorableField(payload: Record<string, unknown>): string | undefined {
  for (const segments of STORED_TEXT_SEGMENTS) {
    for (const [path, s] of stringsAt(payload, segments, '')) if (!STORABLE_TEXT.test(s)) return path;
  }
  return undefined;
}

/** Reads one part: null when absent, null plus its malformed paths when present but not matching. */
function pick<T>(schema: z.ZodType<T>, value: unknown, path: string, malformed: string[]): T | null {
  if (value === undefined || value === null) return null;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    const at = [path, ...issue.path.map(String)].join('.');
    if (!malformed.includes(at) && malformed.length < 64) malformed.push(at);
  }
  return null;
}

/**
 * Extracts the facts downstream services need from a GitHub payload (pure).
 * @throws UnstorablePayloadError when a field it would store holds text Postgres cannot (unstorableField).
 */
export function normalizeDelivery(input: {
  deliveryId: string;
  eventType: string;
  payload: Record<string, unknown>;
  payloadBytes: number;
  receivedAt: Date;
}): WebhookReceivedData {
  const p = input.payload;
  const unstorable = unstorableField(p);
  if (unstorable) throw new UnstorablePayloadError(unstorable);
  const malformed: string[] = [];
  const action = pick(Action, p.action, 'action', malformed);
  const sender = pick(Sender, p.sender, 'sender', malformed);
  const repo = pick(Repository, p.repository, 'repository', malformed);
  const issue = pick(Issue, p.issue, 'issue', malformed);
  const label = pick(Label, p.label, 'label', malformed);
  const installation = pick(Installation, p.installation, 'installation', malformed);
  return {
    source: 'github',
    delivery_id: input.deliveryId,
    event_type: input.eventType,
    action,
    received_at: input.receivedAt.toISOString(),
    sender,
    repository: repo ? { ...repo, clone_url: repo.clone_url ?? null } : null,
    installation_id: installation?.id ?? null,
    issue: issue
      ? {
          id: issue.id,
          number: issue.number,
          title: issue.title,
          html_url: issue.html_url ?? null,
          state: issue.state,
          labels: issue.labels.map((l) => l.name),
          user: issue.user?.login ?? null,
          is_pull_request: issue.pull_request !== undefined,
        }
      : null,
    label: label?.name ?? null,
    payload_bytes: input.payloadBytes,
    malformed_fields: malformed,
  };
}
