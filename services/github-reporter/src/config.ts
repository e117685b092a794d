import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaseEnv, ConfigError, envSchemas, loadConfig } from '@codex-k8s/runtime';
import { z } from 'zod';

const { between } = envSchemas;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));
/** The API root: https, or plain http only on loopback (credentials travel with every request). */
const apiUrl = httpUrl.refine((u) => u.startsWith('https://') || LOOPBACK.has(new URL(u).hostname), 'must be https (plain http only on loopback)');

const Env = BaseEnv.extend({
  DATABASE_URL: z.string().min(1),
  /** The REST API root: https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server. */
  GITHUB_API_URL: apiUrl.default('https://api.github.com'),
  /** GitHub App id; with a private key the reporter acts as the App (installation tokens per delivery). */
  CODEXK8S_GITHUB_APP_ID: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  CODEXK8S_GITHUB_APP_PRIVATE_KEY: z.string().min(1).optional(),
  /** A token for small setups (a fine-grained PAT with issues read/write); no delivery resync without an App. */
  CODEXK8S_GITHUB_TOKEN: z.string().min(1).optional(),
  /**
   * A directory of credential files (a mounted Secret): `app-id` + `private-key`, or `token`. A file that is not
   * there is not set; a variable above wins over its file.
   */
  CODEXK8S_GITHUB_CREDENTIALS_DIR: z.string().min(1).optional(),
  /** The staff console's public URL: each status comment links the run's page there. */
  CODEXK8S_STAFF_CONSOLE_URL: httpUrl.optional(),
  /** One GitHub request (each attempt) may take at most this long. */
  CODEXK8S_GITHUB_REQUEST_TIMEOUT_MS: between(1_000, 120_000, 10_000),
  /** A rate-limit wait up to this long is waited in process; a longer one hands the message back for that long. */
  CODEXK8S_GITHUB_INLINE_WAIT_MAX_MS: between(0, 60_000, 5_000),
  /** How often to compare the App's recent webhook deliveries with the inbox; 0 turns the resync off. */
  CODEXK8S_GITHUB_RESYNC_INTERVAL_MS: between(0, 86_400_000, 300_000),
  /**
   * Deliveries older than this are not asked for again (GitHub keeps them 3 days): a delivery redelivered late is
   * acted on as it was sent, even if its label was removed meanwhile.
   */
  CODEXK8S_GITHUB_RESYNC_LOOKBACK_MS: between(60_000, 3 * 86_400_000, 6 * 3_600_000),
  /** Deliveries younger than this are left alone: the ingress may still be answering them. */
  CODEXK8S_GITHUB_RESYNC_MIN_AGE_MS: between(0, 3_600_000, 30_000),
  /** Pages of 100 deliveries read per resync pass. */
  CODEXK8S_GITHUB_RESYNC_MAX_PAGES: between(1, 100, 5),
  /** Redelivery requests per resync pass. */
  CODEXK8S_GITHUB_RESYNC_MAX_REQUESTS: between(1, 1_000, 50),
  /**
   * Delays between deliveries of an event whose comment update failed (GitHub down, 5xx): comma-separated ms, the
   * last repeated; with BUS_MAX_DELIVER they bound how long an outage is waited out before a dead letter.
   */
  CODEXK8S_GITHUB_RETRY_BACKOFF_MS: z
    .string()
    .default('1000,5000,15000,30000,60000,120000,300000')
    .transform((v) => v.split(',').map((x) => Number(x.trim())))
    .pipe(z.array(z.number().int().min(50).max(3_600_000)).min(1).max(20)),
  /** How many times one delivery is asked for again before the resync gives up on it. */
  CODEXK8S_GITHUB_REDELIVERY_MAX_ATTEMPTS: between(1, 20, 3),
});
type Env = z.infer<typeof Env>;

/** How the reporter talks to GitHub: as an App, with a token, or not at all (dry run: bodies are logged and recorded). */
export type GithubAuth =
  | { readonly kind: 'app'; readonly appId: number; readonly privateKey: string }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'dry_run' };

export type Config = Readonly<Omit<Env, 'CODEXK8S_GITHUB_APP_PRIVATE_KEY' | 'CODEXK8S_GITHUB_TOKEN'> & { auth: GithubAuth }>;

const FILE_OF = { CODEXK8S_GITHUB_APP_ID: 'app-id', CODEXK8S_GITHUB_APP_PRIVATE_KEY: 'private-key', CODEXK8S_GITHUB_TOKEN: 'token' } as const;
type Credential = keyof typeof FILE_OF;

/** A credential from its variable, else from its file in CODEXK8S_GITHUB_CREDENTIALS_DIR (absent: not set). */
function credential(env: Env, name: Credential): string | undefined {
  const inline = env[name];
  if (inline !== undefined) return String(inline);
  if (env.CODEXK8S_GITHUB_CREDENTIALS_DIR === undefined) return undefined;
  const path = join(env.CODEXK8S_GITHUB_CREDENTIALS_DIR, FILE_OF[name]);
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // The path is configuration, the content a secret: only the path and the error's code are named.
    throw new ConfigError(`invalid configuration:\n  CODEXK8S_GITHUB_CREDENTIALS_DIR: cannot read ${path} (${code ?? 'error'})`);
  }
}

/** Picks the authentication from the variables and credential files (pure apart from reading those files). */
export function authOf(env: Env): GithubAuth {
  const appIdText = credential(env, 'CODEXK8S_GITHUB_APP_ID');
  const key = credential(env, 'CODEXK8S_GITHUB_APP_PRIVATE_KEY');
  const token = credential(env, 'CODEXK8S_GITHUB_TOKEN');
  if ((appIdText === undefined) !== (key === undefined)) {
    throw new ConfigError('invalid configuration:\n  CODEXK8S_GITHUB_APP_ID: a GitHub App needs both its id and its private key');
  }
  if (appIdText !== undefined && key !== undefined) {
    const appId = Number(appIdText);
    if (!Number.isSafeInteger(appId) || appId <= 0) throw new ConfigError('invalid configuration:\n  CODEXK8S_GITHUB_APP_ID: not a positive integer');
    if (token !== undefined) throw new ConfigError('invalid configuration:\n  CODEXK8S_GITHUB_TOKEN: configure a GitHub App or a token, not both');
    if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(key)) throw new ConfigError('invalid configuration:\n  CODEXK8S_GITHUB_APP_PRIVATE_KEY: not a PEM private key');
    return { kind: 'app', appId, privateKey: key };
  }
  return token === undefined ? { kind: 'dry_run' } : { kind: 'token', token };
}

/** The only place github-reporter reads the environment. Secrets stay in `auth`, never in logs. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = loadConfig(Env, env);
  const auth = authOf(parsed);
  const rest: Record<string, unknown> = { ...parsed };
  for (const k of ['CODEXK8S_GITHUB_APP_PRIVATE_KEY', 'CODEXK8S_GITHUB_TOKEN']) delete rest[k];
  return Object.freeze({ ...(rest as Omit<Env, 'CODEXK8S_GITHUB_APP_PRIVATE_KEY'>), auth }) as Config;
}

/** The web root of the GitHub the API belongs to (pull request links must point there). Pure. */
export function webUrlOf(apiUrl: string): string {
  const u = new URL(apiUrl);
  if (u.hostname === 'api.github.com') return 'https://github.com';
  // GitHub Enterprise Cloud with data residency: https://api.<subdomain>.ghe.com -> https://<subdomain>.ghe.com
  if (/^api\.[^.]+\.ghe\.com$/.test(u.hostname)) return `https://${u.hostname.slice('api.'.length)}`;
  // GitHub Enterprise Server: https://<host>/api/v3 -> https://<host>
  return `${u.protocol}//${u.host}`;
}
