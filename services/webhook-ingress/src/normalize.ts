import type { WebhookReceivedData } from '@codex-k8s/contracts';
import { z } from 'zod';

// Tolerant readers of the GitHub payload parts we need; anything that does not match is recorded as null.
const Sender = z.object({ id: z.number().int(), login: z.string() });
const Repository = z.object({
  id: z.number().int(),
  full_name: z.string(),
  name: z.string(),
  clone_url: z.string().nullish(),
  private: z.boolean().default(false),
  fork: z.boolean().default(false),
});
const Issue = z.object({
  id: z.number().int(),
  number: z.number().int().positive(),
  title: z.string().default(''),
  html_url: z.string().nullish(),
  state: z.string().default('open'),
  labels: z.array(z.object({ name: z.string() })).default([]),
  user: z.object({ login: z.string() }).nullish(),
  pull_request: z.unknown().optional(),
});

function pick<T>(schema: z.ZodType<T>, value: unknown): T | null {
  const r = schema.safeParse(value);
  return r.success ? r.data : null;
}

/** Extracts the facts downstream services need from a GitHub payload (pure). */
export function normalizeDelivery(input: {
  deliveryId: string;
  eventType: string;
  payload: Record<string, unknown>;
  payloadBytes: number;
  receivedAt: Date;
}): WebhookReceivedData {
  const p = input.payload;
  const repo = pick(Repository, p.repository);
  const issue = pick(Issue, p.issue);
  const label = pick(z.object({ name: z.string() }), p.label);
  const installation = pick(z.object({ id: z.number().int() }), p.installation);
  return {
    source: 'github',
    delivery_id: input.deliveryId,
    event_type: input.eventType,
    action: typeof p.action === 'string' ? p.action : null,
    received_at: input.receivedAt.toISOString(),
    sender: pick(Sender, p.sender),
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
  };
}
