import type { Description } from './description.js';
import type { CommentStore, DeliveryStore, StoredComment, StoredDelivery, TokenOwner, TokenStore } from './state.js';
import { isoSeconds } from './state.js';

/** Who made a request: the App itself (JWT) or the owner of a token. */
export type Caller = { readonly kind: 'app' } | TokenOwner;

/** What a handler sees of a request that passed validation and authentication. */
export interface Call {
  readonly route: string;
  readonly docsUrl: string;
  /** Path and query parameters, coerced to their schema types, defaults filled in. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly body: unknown;
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly caller: Caller;
}

/** A handler's answer. */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The state and settings handlers work on. */
export interface World {
  readonly desc: Description;
  readonly baseUrl: string;
  readonly app: { readonly id: number; readonly slug: string };
  readonly installationId: number;
  readonly commentStore: CommentStore;
  readonly tokens: TokenStore;
  readonly deliveryStore: DeliveryStore;
  /** Delivery ids asked to be redelivered, in order. */
  readonly redeliveryAsks: number[];
  /** Starts a redelivery of `d` in the background. */
  redeliver(d: StoredDelivery): void;
}

type Handler = (w: World, c: Call) => Reply;
type Row = Record<string, unknown>;

/** GitHub's error body: message, where to read about it, and the status as a string. */
export function errorBody(status: number, message: string, documentationUrl = 'https://docs.github.com/rest'): Row {
  return { message, documentation_url: documentationUrl, status: String(status) };
}

const notFound = (c: Call): Reply => ({ status: 404, body: errorBody(404, 'Not Found', c.docsUrl) });

/** The description's example for the answer, as one object (a list's example gives its first item). */
function exampleRow(w: World, route: string, status: number): Row {
  const ex = w.desc.example(route, status);
  const row = Array.isArray(ex) ? ex[0] : ex;
  return typeof row === 'object' && row !== null ? (row as Row) : {};
}

/** Only the properties a description schema lists, so answers carry exactly the documented fields. */
function pick(w: World, schema: string, from: object): Row {
  const properties = (w.desc.doc.components as { schemas: Record<string, { properties?: object }> }).schemas[schema]?.properties ?? {};
  return Object.fromEntries(Object.entries(from).filter(([k]) => k in properties));
}

const clampPerPage = (v: unknown): number => Math.min(100, Math.max(1, Number(v)));

/** A person's user object (a personal token's owner), in the shape of the description's example user. */
function personUser(w: World, template: unknown, login: string): Row {
  const bot = botUser(w, template);
  const id = 200_000_000 + [...login].reduce((n, ch) => (n * 31 + ch.charCodeAt(0)) % 100_000_000, 0);
  const apiUser = `${w.baseUrl}/users/${encodeURIComponent(login)}`;
  return { ...bot, login, id, node_id: Buffer.from(`04:User${id}`).toString('base64'), avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`, url: apiUser, html_url: `https://github.com/${encodeURIComponent(login)}`, type: 'User' };
}

function botUser(w: World, template: unknown): Row {
  const login = `${w.app.slug}[bot]`;
  const apiUser = `${w.baseUrl}/users/${encodeURIComponent(login)}`;
  const user: Row = {};
  // The example user is octocat: keep its shape, point every link at the bot instead.
  for (const [k, v] of Object.entries(typeof template === 'object' && template !== null ? template : {})) {
    user[k] = typeof v === 'string' ? v.replace('https://api.github.com/users/octocat', apiUser) : v;
  }
  const id = 100_000_000 + w.app.id;
  return {
    ...user,
    login,
    id,
    node_id: Buffer.from(`04:Bot${id}`).toString('base64'),
    avatar_url: `https://avatars.githubusercontent.com/in/${w.app.id}?v=4`,
    gravatar_id: '',
    url: apiUser,
    html_url: `https://github.com/apps/${w.app.slug}`,
    type: 'Bot',
    site_admin: false,
  };
}

function commentRow(w: World, route: string, status: number, c: StoredComment): Row {
  const example = exampleRow(w, route, status);
  const repoUrl = `${w.baseUrl}/repos/${encodeURIComponent(c.owner)}/${encodeURIComponent(c.repo)}`;
  return {
    ...example,
    id: c.id,
    node_id: Buffer.from(`012:IssueComment${c.id}`).toString('base64'),
    url: `${repoUrl}/issues/comments/${c.id}`,
    html_url: `https://github.com/${encodeURIComponent(c.owner)}/${encodeURIComponent(c.repo)}/issues/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${repoUrl}/issues/${c.issue}`,
    body: c.body,
    user: c.author === null ? botUser(w, example.user) : personUser(w, example.user, c.author),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: 'NONE',
  };
}

/** GitHub's `Link` header for page-numbered lists: prev/next/last/first, keeping the other query parameters. */
function pageLinks(w: World, c: Call, { page, last, perPage }: { page: number; last: number; perPage: number }): string | undefined {
  const at = (p: number, rel: string): string => {
    const q = new URLSearchParams(c.query);
    q.set('per_page', String(perPage));
    q.set('page', String(p));
    return `<${w.baseUrl}${c.pathname}?${q.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(at(Math.min(page - 1, last), 'prev'));
  if (page < last) links.push(at(page + 1, 'next'), at(last, 'last'));
  if (page > 1) links.push(at(1, 'first'));
  return links.length > 0 ? links.join(', ') : undefined;
}

const createComment: Handler = (w, c) => {
  const { owner, repo, issue_number } = c.params as { owner: string; repo: string; issue_number: number };
  const author = c.caller.kind === 'personal' ? c.caller.login : null;
  const stored = w.commentStore.create(owner, repo, issue_number, (c.body as { body: string }).body, author);
  const row = commentRow(w, c.route, 201, stored);
  return { status: 201, body: row, headers: { location: String(row.url) } };
};

const listComments: Handler = (w, c) => {
  const { owner, repo, issue_number, since, page, per_page } = c.params as { owner: string; repo: string; issue_number: number; since?: string; page: number; per_page: number };
  const perPage = clampPerPage(per_page);
  const all = w.commentStore.list(owner, repo, issue_number).filter((x) => since === undefined || x.updatedMs >= Date.parse(since));
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const p = Math.max(1, page);
  const rows = all.slice((p - 1) * perPage, p * perPage).map((x) => commentRow(w, c.route, 200, x));
  const link = pageLinks(w, c, { page: p, last, perPage });
  const headers: Record<string, string> = link ? { link } : {};
  return { status: 200, body: rows, headers };
};

const getComment: Handler = (w, c) => {
  const { owner, repo, comment_id } = c.params as { owner: string; repo: string; comment_id: number };
  const stored = w.commentStore.get(owner, repo, comment_id);
  return stored ? { status: 200, body: commentRow(w, c.route, 200, stored) } : notFound(c);
};

const editComment: Handler = (w, c) => {
  const { owner, repo, comment_id } = c.params as { owner: string; repo: string; comment_id: number };
  const stored = w.commentStore.edit(owner, repo, comment_id, (c.body as { body: string }).body);
  return stored ? { status: 200, body: commentRow(w, c.route, 200, stored) } : notFound(c);
};

const mintToken: Handler = (w, c) => {
  if (c.params.installation_id !== w.installationId) return notFound(c);
  const { token, expiresMs } = w.tokens.mint(w.installationId);
  const asked = (c.body ?? {}) as { permissions?: Row };
  const row: Row = { ...exampleRow(w, c.route, 201), token, expires_at: isoSeconds(expiresMs) };
  if (asked.permissions) row.permissions = asked.permissions;
  return { status: 201, body: row };
};

const getApp: Handler = (w, c) => ({
  status: 200,
  body: {
    ...exampleRow(w, c.route, 200),
    id: w.app.id,
    slug: w.app.slug,
    name: w.app.slug,
    node_id: Buffer.from(`03:Integration${w.app.id}`).toString('base64'),
    html_url: `https://github.com/apps/${w.app.slug}`,
  },
});

const getUser: Handler = (w, c) => {
  if (c.caller.kind !== 'personal') return { status: 403, body: errorBody(403, 'Resource not accessible by integration', c.docsUrl) };
  return { status: 200, body: { ...exampleRow(w, c.route, 200), login: c.caller.login } };
};

const deliveryItem = (w: World, d: StoredDelivery): Row => pick(w, 'hook-delivery-item', d);

/** `status` of the list, as the description defines it: by the range of `status_code`. */
function inStatusClass(d: StoredDelivery, status: unknown): boolean {
  if (status === 'success') return d.status_code >= 200 && d.status_code <= 399;
  if (status === 'failure') return d.status_code >= 400 && d.status_code <= 599;
  return true;
}

const listDeliveries: Handler = (w, c) => {
  const perPage = clampPerPage(c.params.per_page);
  const cursor = c.params.cursor;
  let before = Infinity;
  if (cursor !== undefined) {
    // Cursors are opaque to clients; GitHub's look like `v1_<number>`. Ours: the id the next page starts below.
    const m = /^v1_(\d+)$/.exec(String(cursor));
    if (!m) return { status: 400, body: errorBody(400, 'Invalid cursor', c.docsUrl) };
    before = Number(m[1]);
  }
  const matching = w.deliveryStore.newestFirst().filter((d) => d.id < before && inStatusClass(d, c.params.status));
  const page = matching.slice(0, perPage);
  const headers: Record<string, string> = {};
  if (matching.length > perPage) {
    const q = new URLSearchParams(c.query);
    q.set('per_page', String(perPage));
    q.set('cursor', `v1_${page[page.length - 1]!.id}`);
    headers.link = `<${w.baseUrl}${c.pathname}?${q.toString()}>; rel="next"`;
  }
  return { status: 200, body: page.map((d) => deliveryItem(w, d)), headers };
};

const getDelivery: Handler = (w, c) => {
  const d = w.deliveryStore.get(Number(c.params.delivery_id));
  return d ? { status: 200, body: pick(w, 'hook-delivery', d) } : notFound(c);
};

const redeliver: Handler = (w, c) => {
  const id = Number(c.params.delivery_id);
  w.redeliveryAsks.push(id);
  const d = w.deliveryStore.get(id);
  if (!d) return notFound(c);
  w.redeliver(d);
  return { status: 202, body: {} };
};

/** The operations the server implements, by route; every other operation of the description answers 501. */
export const HANDLERS: ReadonlyMap<string, Handler> = new Map([
  ['GET /app', getApp],
  ['POST /app/installations/{installation_id}/access_tokens', mintToken],
  ['GET /app/hook/deliveries', listDeliveries],
  ['GET /app/hook/deliveries/{delivery_id}', getDelivery],
  ['POST /app/hook/deliveries/{delivery_id}/attempts', redeliver],
  ['GET /user', getUser],
  ['POST /repos/{owner}/{repo}/issues/{issue_number}/comments', createComment],
  ['GET /repos/{owner}/{repo}/issues/{issue_number}/comments', listComments],
  ['GET /repos/{owner}/{repo}/issues/comments/{comment_id}', getComment],
  ['PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', editComment],
]);

/** Routes that take the App's JWT rather than a token (GitHub's `/app` endpoints). */
export function needsAppJwt(template: string): boolean {
  return template === '/app' || template.startsWith('/app/');
}
