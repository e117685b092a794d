import type {
  ActionResponse,
  DeadLetterListResponse,
  DeployTaskListResponse,
  EventDetail,
  EventListResponse,
  LogResponse,
  NamespaceListResponse,
  RedeployResponse,
  RetryResponse,
  RunDetails,
  RunListResponse,
  SessionResponse,
  SlotListResponse,
  STAFF_API,
} from './types.js';

/** The staff API's paths: a copy of STAFF_API (its module would bundle zod), kept equal to it by this type. */
export const PATHS: typeof STAFF_API = {
  session: '/api/v1/staff/session',
  logout: '/api/v1/staff/logout',
  runs: '/api/v1/staff/runs',
  run: (id) => `/api/v1/staff/runs/${id}`,
  events: (id) => `/api/v1/staff/runs/${id}/events`,
  event: (id, eventId) => `/api/v1/staff/runs/${id}/events/${eventId}`,
  logs: (id) => `/api/v1/staff/runs/${id}/logs`,
  logsDownload: (id) => `/api/v1/staff/runs/${id}/logs/download`,
  artifact: (id, name) => `/api/v1/staff/runs/${id}/artifacts/${encodeURIComponent(name)}`,
  cancel: (id) => `/api/v1/staff/runs/${id}/cancel`,
  namespace: (id) => `/api/v1/staff/runs/${id}/namespace`,
  stream: '/api/v1/staff/stream',
  slots: '/api/v1/staff/slots',
  namespaces: '/api/v1/staff/namespaces',
  deployTasks: '/api/v1/staff/deploy-tasks',
  deadLetters: '/api/v1/staff/dead-letters',
  redeploy: (project, slotNo) => `/api/v1/staff/slots/${project}/${slotNo}/redeploy`,
  retry: (id) => `/api/v1/staff/dead-letters/${id}/retry`,
  login: '/login',
};

/** A refused or failed request; `message` is the server's `error` text (status 0: no answer at all). */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export type Query = Readonly<Record<string, string | number | null | undefined>>;

/** `path?k=v` without the empty parameters. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function errorText(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: unknown };
    if (typeof body.error === 'string' && body.error) return body.error;
  } catch {
    // Not JSON (a proxy's page): fall back to the status line.
  }
  return `${res.status} ${res.statusText}`.trim();
}

async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, csrf?: string): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (csrf !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'x-csrf-token': csrf });
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: csrf === undefined ? undefined : '{}' });
  } catch {
    throw new ApiError(0, 'The server did not answer (network error).');
  }
  if (!res.ok) throw new ApiError(res.status, await errorText(res));
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
}

const get = <T>(path: string, query?: Query): Promise<T> => request<T>('GET', withQuery(path, query));

export interface RunFilter {
  project?: string;
  status?: string;
  trigger?: string;
  issue?: string;
  q?: string;
}

/** The staff API, one function per endpoint. Actions take the session's CSRF token. */
export const api = {
  session: () => get<SessionResponse>(PATHS.session),
  logout: (csrf: string) => request<unknown>('POST', PATHS.logout, csrf),
  runs: (filter: RunFilter, cursor?: string) => get<RunListResponse>(PATHS.runs, { ...filter, limit: 50, cursor }),
  run: (id: string) => get<RunDetails>(PATHS.run(id)),
  events: (id: string, before?: string) => get<EventListResponse>(PATHS.events(id), { limit: 100, before }),
  event: (id: string, eventId: string) => get<EventDetail>(PATHS.event(id, eventId)),
  logs: (id: string, tail = 500) => get<LogResponse>(PATHS.logs(id), { tail }),
  slots: (project?: string) => get<SlotListResponse>(PATHS.slots, { project }),
  namespaces: (project?: string, cursor?: string) => get<NamespaceListResponse>(PATHS.namespaces, { project, cursor }),
  deployTasks: (project?: string, cursor?: string) => get<DeployTaskListResponse>(PATHS.deployTasks, { project, cursor }),
  deadLetters: (cursor?: string) => get<DeadLetterListResponse>(PATHS.deadLetters, { cursor }),
  cancel: (id: string, csrf: string) => request<ActionResponse>('POST', PATHS.cancel(id), csrf),
  deleteNamespace: (id: string, csrf: string) => request<ActionResponse>('DELETE', PATHS.namespace(id), csrf),
  redeploy: (project: string, slotNo: number, csrf: string) => request<RedeployResponse>('POST', PATHS.redeploy(project, slotNo), csrf),
  retry: (id: string, csrf: string) => request<RetryResponse>('POST', PATHS.retry(id), csrf),
};

/** The text to show for a failed promise. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
