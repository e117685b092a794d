import type { Bus } from '@codex-k8s/bus';
import type { Db } from '@codex-k8s/db';
import type { Logger } from '@codex-k8s/runtime';
import type { z } from 'zod';

export const NAME = 'staff-console';

/** Everything the handlers use, passed in explicitly (main.ts wires the real ones). */
export interface ConsoleDeps {
  readonly db: Db;
  readonly bus: Pick<Bus, 'publish'>;
  readonly log: Logger;
  /** The CSRF key. */
  readonly secret: string;
  readonly labelDomain: string;
  readonly platformNamespace: string;
  /** How long an action waits for its executing service's answer (then it answers `pending`). */
  readonly actionWaitMs: number;
  /** The last lines of a live Job's newest pod (the agent container), or undefined when no pod is left or readable. */
  readonly podLog: (job: { name: string; namespace: string }, lines: number) => Promise<string | undefined>;
}

/** What a handler answers: a status and a JSON body. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export const ok = (body: unknown, status = 200): Answer => ({ status, body });
export const refused = (status: number, error: string): Answer => ({ status, body: { error } });

/** A zod error as one line naming each parameter: `limit: must be at most 200`. Pure. */
export function reasonOf(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'query'}: ${i.message}`)
    .join('; ');
}

/** Parses a request part with a contract schema; a refusal names the parameter (400). */
export function parse<S extends z.ZodType>(schema: S, input: unknown): { ok: true; value: z.infer<S> } | { ok: false; answer: Answer } {
  const r = schema.safeParse(input ?? {});
  return r.success ? { ok: true, value: r.data } : { ok: false, answer: refused(400, reasonOf(r.error)) };
}
