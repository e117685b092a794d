import { KubeEnv } from '@codex-k8s/kube';
import { BaseEnv, envSchemas, loadConfig } from '@codex-k8s/runtime';
import { isIP } from 'node:net';
import { z } from 'zod';

const { between } = envSchemas;

/** `a.b.c.d/n` or `x::y/n`; the list of networks whose X-Forwarded-User is believed (the oauth2-proxy's). */
const Cidr = z.string().refine((s) => {
  const [addr, bits, ...rest] = s.split('/');
  const max = isIP(addr ?? '') === 4 ? 32 : isIP(addr ?? '') === 6 ? 128 : 0;
  return rest.length === 0 && max > 0 && /^\d{1,3}$/.test(bits ?? '') && Number(bits) <= max;
}, 'not an address/prefix (e.g. 127.0.0.1/32)');

const Env = BaseEnv.extend({
  DATABASE_URL: z.string().min(1),
  // Names the runbook commands use (the same settings as the services that make the objects).
  ...KubeEnv.pick({ CODEXK8S_LABEL_DOMAIN: true, CODEXK8S_PLATFORM_NAMESPACE: true }).shape,
  /** Read the logs of live agent pods (unset: the in-cluster ServiceAccount; pods get/list and pods/log get only). */
  KUBECONFIG: z.string().min(1).optional(),
  /** Where the console listens: 127.0.0.1 behind an oauth2-proxy sidecar (the only way in), or the local stack's loopback. */
  HTTP_HOST: z.string().default('127.0.0.1'),
  HTTP_PORT: envSchemas.port(8090),
  /**
   * Networks whose `X-Forwarded-User` header is believed (comma-separated CIDRs: the oauth2-proxy's address). The
   * header from any other address is refused with 401. Empty: the header is never believed.
   */
  CODEXK8S_STAFF_TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(Cidr).max(64)),
  /** One-time login links (`npm run dev` prints one) and the session cookie they open; off behind oauth2-proxy. */
  CODEXK8S_STAFF_LOGIN_LINKS: envSchemas.bool(false),
  CODEXK8S_STAFF_SESSION_TTL_SECONDS: between(60, 30 * 86_400, 12 * 3_600),
  /** The key of the console's CSRF tokens (at least 32 characters; the same on every replica). */
  CODEXK8S_STAFF_SECRET: z.string().min(32, 'at least 32 characters').max(512),
  /** How long an action waits for the executing service's answer before it answers `pending`. */
  CODEXK8S_STAFF_ACTION_WAIT_MS: between(0, 60_000, 15_000),
  /** How often the live stream looks for new flow events. */
  CODEXK8S_STAFF_STREAM_POLL_MS: between(50, 10_000, 500),
  /** Open live streams per replica (each holds a connection). */
  CODEXK8S_STAFF_MAX_STREAMS: between(1, 10_000, 200),
  /** Where the UI's built files are (`npm run build` writes them to services/staff-console/dist/public). */
  CODEXK8S_STAFF_UI_DIR: z.string().min(1).optional(),
  // Edge limits of the listener.
  CODEXK8S_STAFF_MAX_CONNECTIONS: between(1, 65_535, 512),
  CODEXK8S_STAFF_HEADERS_TIMEOUT_MS: between(100, 60_000, 10_000),
  CODEXK8S_STAFF_REQUEST_TIMEOUT_MS: between(100, 600_000, 60_000),
  CODEXK8S_STAFF_KEEP_ALIVE_TIMEOUT_MS: between(100, 120_000, 30_000),
}).refine((c) => c.CODEXK8S_STAFF_HEADERS_TIMEOUT_MS <= c.CODEXK8S_STAFF_REQUEST_TIMEOUT_MS, {
  path: ['CODEXK8S_STAFF_HEADERS_TIMEOUT_MS'],
  message: 'must not exceed CODEXK8S_STAFF_REQUEST_TIMEOUT_MS',
});

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place staff-console reads the environment. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);
