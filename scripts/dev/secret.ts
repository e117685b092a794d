import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A secret given in the environment, else a random one kept (mode 0600) in the stack dir under `file`. Never printed. */
function keptSecret(stackDir: string, file: string, given: string | undefined): { secret: string; file?: string } {
  if (given) return { secret: given };
  const path = join(stackDir, file);
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString('hex'), { mode: 0o600 });
  return { secret: readFileSync(path, 'utf8').trim(), file: path };
}

/**
 * The webhook secret of a local dev run: CODEXK8S_GITHUB_WEBHOOK_SECRET when given, else a random one kept
 * (mode 0600) in the stack dir so a restarted dev loop and `gh webhook forward` keep working. Never printed.
 */
export function devWebhookSecret(stackDir: string, env: NodeJS.ProcessEnv = process.env): { secret: string; file?: string } {
  return keptSecret(stackDir, 'github-webhook-secret', env.CODEXK8S_GITHUB_WEBHOOK_SECRET);
}

/** The staff console's CSRF key of a local dev run (CODEXK8S_STAFF_SECRET, else kept in the stack dir). */
export function devStaffSecret(stackDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return keptSecret(stackDir, 'staff-console-secret', env.CODEXK8S_STAFF_SECRET).secret;
}
