import { generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { loadDescription, type ApiOperation, type Description, type Problem } from './description.js';
import { FaultQueue, type FaultRule } from './faults.js';
import { errorBody, HANDLERS, needsAppJwt, type Call, type Caller, type Reply, type World } from './handlers.js';
import { attemptDelivery, deliveryHeaders, type WebhookTarget } from './hookshot.js';
import { verifyAppJwt } from './jwt.js';
import { CommentStore, DeliveryStore, isoSeconds, TokenStore, type StoredDelivery } from './state.js';

/** The only REST API version GitHub's published description (and so this server) documents. */
export const API_VERSION = '2022-11-28';

/** One request the server answered. */
export interface RequestLogEntry {
  readonly method: string;
  /** Path and query as received. */
  readonly path: string;
  /** `METHOD template` of the operation it matched, null when it matched none. */
  readonly route: string | null;
  readonly status: number;
  /** Epoch ms when it arrived. */
  readonly at: number;
}

/** A request the description does not allow (or an operation the server does not implement). */
export interface Rejection {
  readonly method: string;
  readonly path: string;
  readonly reason: string;
}

/** A webhook delivery GitHub made, as tests record it with `recordDelivery`. */
export interface DeliveryInput {
  readonly guid: string;
  readonly event: string;
  readonly action?: string;
  readonly payload: object;
  /** What the receiver answered; 0 when it could not be reached. */
  readonly statusCode: number;
  /** When GitHub made it (epoch ms); default now. For tests of lookback windows and minimum ages. */
  readonly deliveredAt?: number;
}

/** A GitHub REST API on loopback that does what the published description says, for the operations it implements. */
export interface GithubApiServer {
  /** Base URL for octokit's `baseUrl`, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The GitHub App; its key (PKCS#8 PEM) is what `@octokit/auth-app` signs JWTs with. */
  readonly app: { readonly id: number; readonly privateKeyPem: string; readonly slug: string };
  /** The App's one installation. */
  readonly installationId: number;
  /** The id of the App's webhook (sent as `x-github-hook-id`). */
  readonly hookId: number;
  /** Installation tokens minted so far. */
  readonly tokensMinted: number;
  /** Requests the description does not allow, and calls of operations the server does not implement (501). */
  readonly rejected: Rejection[];
  /** Answers of the server that do not conform to the description: bugs of the server. */
  readonly responseErrors: string[];
  readonly requests: RequestLogEntry[];
  /** Accepts `token` (as `token <t>` or `Bearer <t>`) on non-App endpoints, as a user's personal token. */
  addPersonalToken(token: string, login?: string): void;
  /** Every installation token minted so far stops working (401). */
  revokeInstallationTokens(): void;
  /** Copies of an issue's comments, oldest first. */
  comments(owner: string, repo: string, issue: number): Array<{ id: number; body: string; created_at: string; updated_at: string; edits: number }>;
  /** Stores a delivery GitHub made (not sent by the server); returns its id. */
  recordDelivery(d: DeliveryInput): number;
  /** Every delivery, original and redelivered, oldest first. */
  deliveries(): Array<{ id: number; guid: string; event: string; action: string | null; redelivery: boolean; status_code: number; status: string }>;
  /** Delivery ids POSTed to `/app/hook/deliveries/{id}/attempts` (past validation, auth and faults), in order. */
  redeliveryRequests(): number[];
  /** Where redeliveries go (and the secret they are signed with). */
  setWebhook(target: WebhookTarget): void;
  /** Resolves once every redelivery under way has been made and recorded. */
  idle(): Promise<void>;
  /** Answers matching requests (valid and authenticated ones) with a fault instead; rules apply in order. */
  fail(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/** A request in the middle of being answered. */
interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly url: URL;
  readonly headers: IncomingMessage['headers'];
  readonly raw: Buffer;
  op: ApiOperation | null;
  caller: Caller | null;
}

/** An answer and what the server must do with it besides sending it. */
interface Outcome extends Reply {
  /** Recorded in `rejected`. */
  readonly rejection?: string;
  /** Not checked against the description (faults, 501). */
  readonly unchecked?: boolean;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function rejectInvalid(status: number, message: string, problems: readonly Problem[], docsUrl: string): Outcome {
  const body: Record<string, unknown> = errorBody(status, message, docsUrl);
  if (problems.length > 0) body.errors = problems.map((p) => ({ resource: 'Request', field: p.field, code: p.code, message: p.message }));
  const reason = [`${status} ${message}`, ...problems.map((p) => p.message)].join('; ');
  return { status, body, rejection: reason };
}

class FakeGithub implements GithubApiServer, World {
  url = '';
  readonly desc: Description;
  readonly app: { id: number; privateKeyPem: string; slug: string };
  readonly installationId = 4242;
  readonly hookId = 424_242;
  readonly commentStore = new CommentStore();
  readonly tokens = new TokenStore();
  readonly deliveryStore = new DeliveryStore();
  readonly redeliveryAsks: number[] = [];
  readonly rejected: Rejection[] = [];
  readonly responseErrors: string[] = [];
  readonly requests: RequestLogEntry[] = [];
  private readonly publicKey: KeyObject;
  private readonly faults = new FaultQueue();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly rate = new Map<string, { used: number; resetS: number }>();
  private webhook: WebhookTarget | null;
  private readonly http: Server;

  constructor(desc: Description, keys: { privateKey: KeyObject; publicKey: KeyObject }, webhook: WebhookTarget | undefined) {
    this.desc = desc;
    this.webhook = webhook ?? null;
    this.publicKey = keys.publicKey;
    // PKCS#8: what universal-github-app-jwt (under @octokit/auth-app) imports with WebCrypto everywhere; it
    // converts PKCS#1 only on Node, so PKCS#8 works whichever build a client loads.
    this.app = { id: 314_159, slug: 'codex-k8s-test', privateKeyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
    this.http = createServer((req, res) => {
      this.serve(req, res).catch((err: unknown) => {
        this.responseErrors.push(`${req.method} ${req.url}: the server threw ${String(err)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(errorBody(500, 'Server Error')));
      });
    });
  }

  get baseUrl(): string {
    return this.url;
  }

  get tokensMinted(): number {
    return this.tokens.minted;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const path = req.url ?? '/';
    // Prefixed rather than resolved against a base: `//x/y` must stay a path, not become host `x`.
    const url = new URL(`http://github.test${path.startsWith('/') ? '' : '/'}${path}`);
    const ex: Exchange = { method: req.method ?? 'GET', path, url, headers: req.headers, raw: await readBody(req), op: null, caller: null };
    const out = this.answer(ex);
    const implemented = ex.op !== null && HANDLERS.has(ex.op.route);
    if (out.rejection) this.rejected.push({ method: ex.method, path, reason: out.rejection });
    if (implemented && !out.unchecked) {
      for (const e of this.desc.checkResponse(ex.op!.route, out.status, out.body)) this.responseErrors.push(`${ex.method} ${path}: ${e}`);
    }
    this.requests.push({ method: ex.method, path, route: ex.op?.route ?? null, status: out.status, at });
    this.send(res, ex, out);
  }

  /** The pipeline: description first, then the version header, implementation, authentication, faults, state. */
  private answer(ex: Exchange): Outcome {
    const match = this.desc.match(ex.method, ex.url.pathname);
    if (!match) return { ...rejectInvalid(404, 'Not Found', [], 'https://docs.github.com/rest'), rejection: `404 no operation ${ex.method} ${ex.url.pathname} in the description` };
    const op = match.op;
    ex.op = op;
    const { values, problems } = this.desc.checkParameters(op.route, match.pathParams, ex.url.searchParams);
    if (problems.length > 0) return rejectInvalid(422, 'Invalid request.', problems, op.docsUrl);
    const body = this.desc.checkBody(op.route, ex.headers['content-type'], ex.raw);
    if (!body.ok) return rejectInvalid(body.status, body.message, body.problems, op.docsUrl);
    const version = ex.headers['x-github-api-version'];
    if (typeof version === 'string' && version !== API_VERSION) {
      return rejectInvalid(400, `API version ${version} is not supported.`, [], 'https://docs.github.com/rest/about-the-rest-api/api-versions');
    }
    const handler = HANDLERS.get(op.route);
    if (!handler) return { status: 501, body: errorBody(501, 'Not Implemented'), rejection: `501 ${op.route} (${op.operationId}) is not implemented`, unchecked: true };
    const caller = this.authenticate(op, ex.headers.authorization);
    if (typeof caller === 'string') return { status: 401, body: errorBody(401, caller, 'https://docs.github.com/rest') };
    ex.caller = caller;
    const fault = this.faults.take(op.route);
    const call: Call = { route: op.route, docsUrl: op.docsUrl, params: values, body: body.body, pathname: ex.url.pathname, query: ex.url.searchParams, caller };
    if (!fault) return handler(this, call);
    // An answer lost on the way back (a proxy's 502, a timeout): the operation itself was carried out.
    if (fault.afterApplying) handler(this, call);
    return { status: fault.status, headers: fault.headers, body: fault.body ?? errorBody(fault.status, STATUS_CODES[fault.status] ?? 'Error'), unchecked: true };
  }

  /** The caller, or the message GitHub answers 401 with. */
  private authenticate(op: ApiOperation, header: string | undefined): Caller | string {
    const m = /^(bearer|token)\s+(\S+)$/i.exec(header?.trim() ?? '');
    if (needsAppJwt(op.template)) {
      if (!m || m[1]!.toLowerCase() !== 'bearer') return 'A JSON web token could not be decoded';
      return verifyAppJwt(m[2]!, this.publicKey, this.app.id) ?? { kind: 'app' };
    }
    if (!m) return 'Requires authentication';
    return this.tokens.owner(m[2]!) ?? 'Bad credentials';
  }

  /** GitHub's rate limit headers for the caller's bucket (counted, never enforced: use `fail()` for that). */
  private rateHeaders(caller: Caller | null): Record<string, string> {
    const key = caller === null ? 'anonymous' : caller.kind === 'installation' ? `installation:${caller.installationId}` : caller.kind === 'personal' ? `user:${caller.login}` : 'app';
    const limit = caller === null ? 60 : 5000;
    const nowS = Math.floor(Date.now() / 1000);
    let bucket = this.rate.get(key);
    if (!bucket || bucket.resetS <= nowS) this.rate.set(key, (bucket = { used: 0, resetS: nowS + 3600 }));
    bucket.used++;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - bucket.used)),
      'x-ratelimit-reset': String(bucket.resetS),
      'x-ratelimit-used': String(bucket.used),
      'x-ratelimit-resource': 'core',
    };
  }

  private send(res: ServerResponse, ex: Exchange, out: Outcome): void {
    const rid = [4, 4, 5, 5, 8].map((n) => randomBytes(4).toString('hex').slice(0, n).toUpperCase()).join(':');
    const headers: Record<string, string> = {
      ...this.rateHeaders(ex.caller),
      'x-github-api-version-selected': API_VERSION,
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': rid,
    };
    let payload: string | undefined;
    if (typeof out.body === 'string') {
      payload = out.body;
      headers['content-type'] = 'text/plain; charset=utf-8';
    } else if (out.body !== undefined) {
      payload = JSON.stringify(out.body);
      headers['content-type'] = 'application/json; charset=utf-8';
    }
    res.writeHead(out.status, { ...headers, ...out.headers });
    res.end(payload);
  }

  redeliver(d: StoredDelivery): void {
    const done = this.sendAgain(d)
      .catch((err: unknown) => void this.responseErrors.push(`redelivery of ${d.id} failed in the server: ${String(err)}`))
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  /** Sends a stored delivery again, as GitHub does on a redelivery request, and records the attempt. */
  private async sendAgain(d: StoredDelivery): Promise<void> {
    const target = this.webhook;
    const body = JSON.stringify(d.request.payload);
    const headers = deliveryHeaders({ guid: d.guid, event: d.event, hookId: this.hookId, appId: this.app.id, secret: target?.secret ?? '' }, body);
    const outcome = target
      ? await attemptDelivery(target.url, headers, body, this.stopping.signal)
      : { status: 0, headers: {}, payload: null, durationS: 0 };
    this.deliveryStore.record({
      ...d,
      delivered_at: isoSeconds(Date.now()),
      redelivery: true,
      duration: outcome.durationS,
      status_code: outcome.status,
      url: target?.url ?? '',
      request: { headers, payload: d.request.payload },
      response: { headers: outcome.headers, payload: outcome.payload },
    });
  }

  addPersonalToken(token: string, login = 'octocat'): void {
    this.tokens.addPersonal(token, login);
  }

  revokeInstallationTokens(): void {
    this.tokens.revokeInstallationTokens();
  }

  recordDelivery(d: DeliveryInput): number {
    const body = JSON.stringify(d.payload);
    const headers = deliveryHeaders({ guid: d.guid, event: d.event, hookId: this.hookId, appId: this.app.id, secret: this.webhook?.secret ?? '' }, body);
    const p = d.payload as { installation?: { id?: unknown }; repository?: { id?: unknown } };
    return this.deliveryStore.record({
      guid: d.guid,
      event: d.event,
      action: d.action ?? null,
      delivered_at: isoSeconds(d.deliveredAt ?? Date.now()),
      redelivery: false,
      duration: 0.05,
      status_code: d.statusCode,
      installation_id: typeof p.installation?.id === 'number' ? p.installation.id : this.installationId,
      repository_id: typeof p.repository?.id === 'number' ? p.repository.id : null,
      url: this.webhook?.url ?? '',
      request: { headers, payload: d.payload },
      response: { headers: {}, payload: null },
    }).id;
  }

  comments(owner: string, repo: string, issue: number): ReturnType<GithubApiServer['comments']> {
    return this.commentStore.list(owner, repo, issue).map((c) => ({ id: c.id, body: c.body, created_at: c.created_at, updated_at: c.updated_at, edits: c.edits }));
  }

  deliveries(): ReturnType<GithubApiServer['deliveries']> {
    return this.deliveryStore
      .newestFirst()
      .reverse()
      .map((d) => ({ id: d.id, guid: d.guid, event: d.event, action: d.action, redelivery: d.redelivery, status_code: d.status_code, status: d.status }));
  }

  redeliveryRequests(): number[] {
    return [...this.redeliveryAsks];
  }

  setWebhook(target: WebhookTarget): void {
    this.webhook = target;
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  fail(rule: FaultRule): void {
    this.faults.add(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  async close(): Promise<void> {
    this.stopping.abort();
    await this.idle();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }
}

/**
 * Starts the server on 127.0.0.1 (random port). The description is parsed on the first start of the process and
 * shared afterwards; validators are compiled per operation on first use.
 */
export async function startGithubApi(opts: { webhook?: WebhookTarget } = {}): Promise<GithubApiServer> {
  // The key is made on libuv's thread pool while this thread parses the description (each takes ~0.2 s).
  const keys = promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const desc = loadDescription();
  const server = new FakeGithub(desc, await keys, opts.webhook);
  await server.listen();
  return server;
}
