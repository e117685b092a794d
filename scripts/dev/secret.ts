import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The webhook secret of a local dev run: CODEXK8S_GITHUB_WEBHOOK_SECRET when given, else a random one kept
 * (mode 0600) in the stack dir so a restarted dev loop and `gh webhook forward` keep working. Never printed.
 */
export function devWebhookSecret(stackDir: string, env: NodeJS.ProcessEnv = process.env): { secret: string; file?: string } {
  if (env.CODEXK8S_GITHUB_WEBHOOK_SECRET) return { secret: env.CODEXK8S_GITHUB_WEBHOOK_SECRET };
  const file = join(stackDir, 'github-webhook-secret');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  return { secret: readFileSync(file, 'utf8').trim(), file };
}
