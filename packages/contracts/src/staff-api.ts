import { z } from 'zod';
import { ArtifactKind } from './agent-api.js';
import { StaffLogin } from './events/staff.js';
import { PG_INT_MAX } from './events/webhook.js';

/**
 * The staff console's HTTP contract (proto/staff-console.openapi.yaml is generated from these schemas). Query
 * parameters arrive as strings and are parsed here; every refusal is `{ error }` naming the parameter.
 */

const Uuid = z.uuid({ message: 'not a uuid' });
const Slug = z.string().min(1).max(63).regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'not a project slug');
const IntParam = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, 'not a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** The most rows one page may hold (a bigger `limit` is refused, never silently cut). */
export const STAFF_PAGE_MAX = 200;
export const STAFF_PAGE_DEFAULT = 50;

export const RunStatusName = z.enum(['pending', 'running', 'succeeded', 'failed', 'canceled']);
export type RunStatusName = z.infer<typeof RunStatusName>;

/** A keyset cursor as the API hands it out (opaque to clients). */
export const Cursor = z.string().min(1).max(200).regex(/^[A-Za-z0-9_-]+$/, 'not a cursor this API handed out');

/** `GET /api/v1/staff/runs` query. */
export const RunListQuery = z.strictObject({
  project: Slug.optional().describe('A project slug; without it, every project the caller may see.'),
  status: RunStatusName.optional(),
  trigger: z.string().min(1).max(100).regex(/^[A-Za-z0-9:._/-]+$/, 'not a label').optional().describe('The trigger label, e.g. run:dev.'),
  issue: IntParam(1, PG_INT_MAX).optional().describe('An issue number.'),
  q: z.string().min(1).max(200).regex(/^[A-Za-z0-9._:/-]+$/, 'letters, digits and . _ : / - only').optional().describe('A prefix of the correlation id (delivery id), run id or namespace.'),
  limit: IntParam(1, STAFF_PAGE_MAX).optional().describe(`Rows per page (default ${STAFF_PAGE_DEFAULT}, at most ${STAFF_PAGE_MAX}).`),
  cursor: Cursor.optional().describe('next_cursor of the previous page.'),
});
export type RunListQuery = z.infer<typeof RunListQuery>;

/** `GET /api/v1/staff/runs/{run_id}/events` query (newest first). */
export const EventListQuery = z.strictObject({
  limit: IntParam(1, STAFF_PAGE_MAX).optional(),
  before: z.string().regex(/^\d{1,19}$/, 'not an event position').optional().describe('Only events older than this id (next_cursor of the previous page).'),
});
export type EventListQuery = z.infer<typeof EventListQuery>;

/** `GET /api/v1/staff/runs/{run_id}/logs` query. */
export const LogQuery = z.strictObject({
  tail: IntParam(1, 5_000).optional().describe('The last N lines (default 500).'),
  source: z.enum(['auto', 'agent', 'pod']).optional().describe('auto (default): what the agent streamed, else the live pod, else the end stored with the run; pod: what the live pod printed (404 when no pod is left); agent: the streamed log only.'),
});
export type LogQuery = z.infer<typeof LogQuery>;

/** Pages of lists that are not filtered (slots, namespaces, deploy tasks, dead letters). */
export const ProjectQuery = z.strictObject({
  project: Slug.optional(),
  limit: IntParam(1, STAFF_PAGE_MAX).optional(),
  cursor: Cursor.optional(),
});
export type ProjectQuery = z.infer<typeof ProjectQuery>;

/**
 * `GET /api/v1/staff/stream` query. Server-sent events: `run` (a RunSummary whenever a visible run changes), and with
 * `run_id` also `flow` (an EventSummary for each new event of that run); each message's id resumes the stream
 * (Last-Event-ID).
 */
export const StreamQuery = z.strictObject({ run_id: Uuid.optional(), project: Slug.optional() });
export type StreamQuery = z.infer<typeof StreamQuery>;

export const RunIdParam = z.strictObject({ run_id: Uuid });
export const EventIdParam = z.strictObject({ run_id: Uuid, event_id: z.string().regex(/^\d{1,19}$/, 'not an event position') });

export const ProjectRef = z.object({ id: z.uuid(), slug: z.string(), name: z.string() });
export type ProjectRef = z.infer<typeof ProjectRef>;

export const StaffRole = z.enum(['admin', 'read_write', 'read_only', 'platform_admin']);
export type StaffRole = z.infer<typeof StaffRole>;

/** `GET /api/v1/staff/session`: who the caller is, what they may see and the token their actions carry. */
export const SessionResponse = z.object({
  login: StaffLogin,
  platform_admin: z.boolean(),
  projects: z.array(ProjectRef.extend({ role: StaffRole, can_act: z.boolean() })),
  csrf_token: z.string().describe('Send it as the X-CSRF-Token header with every action.'),
});
export type SessionResponse = z.infer<typeof SessionResponse>;

const Iso = z.string().describe('ISO 8601 time');

export const RunOutcomeView = z.object({
  event_type: z.string(),
  reason: z.string().nullable(),
  error: z.string().nullable(),
  exit_code: z.number().int().nullable(),
});

/** One row of the runs list (also what the live stream pushes when a run changes). */
export const RunSummary = z.object({
  id: z.uuid(),
  correlation_id: z.string(),
  project: ProjectRef,
  status: RunStatusName,
  trigger_kind: z.string().nullable(),
  trigger_label: z.string().nullable(),
  issue_number: z.number().int().nullable(),
  issue_url: z.string().nullable(),
  issue_title: z.string().nullable(),
  repository_full_name: z.string().nullable(),
  runtime_mode: z.enum(['full-env', 'code-only']).nullable(),
  namespace: z.string().nullable(),
  slot_no: z.number().int().nullable(),
  job_name: z.string().nullable(),
  job_namespace: z.string().nullable(),
  created_at: Iso,
  started_at: Iso.nullable(),
  finished_at: Iso.nullable(),
  outcome: RunOutcomeView.nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

export const RunListResponse = z.object({ items: z.array(RunSummary), next_cursor: z.string().nullable() });
export type RunListResponse = z.infer<typeof RunListResponse>;

/** A phase of a run: when it was first reached and how long it took from the phase before. */
export const RunPhase = z.object({
  phase: z.string(),
  event_type: z.string(),
  at: Iso,
  duration_ms: z.number().int().nullable(),
});
export type RunPhase = z.infer<typeof RunPhase>;

export const ArtifactView = z.object({
  name: z.string(),
  kind: ArtifactKind,
  content_type: z.string().nullable(),
  size_bytes: z.number().int(),
  url: z.string().nullable(),
  number: z.number().int().nullable(),
  branch: z.string().nullable(),
  title: z.string().nullable(),
  created_at: Iso,
});
export type ArtifactView = z.infer<typeof ArtifactView>;

export const DeployLogView = z.object({ stage: z.string(), level: z.enum(['info', 'error']), message: z.string(), created_at: z.string() });

export const DeployTaskView = z.object({
  run_id: z.uuid(),
  namespace: z.string(),
  slot_no: z.number().int(),
  repository_full_name: z.string(),
  build_ref: z.string(),
  commit_sha: z.string().nullable(),
  host: z.string().nullable(),
  public_url: z.string().nullable(),
  fingerprint: z.string().nullable(),
  status: RunStatusName,
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  units_done: z.number().int(),
  created_at: Iso,
  started_at: Iso.nullable(),
  finished_at: Iso.nullable(),
  logs: z.array(DeployLogView),
});
export type DeployTaskView = z.infer<typeof DeployTaskView>;

export const RunbookCommand = z.object({ title: z.string(), command: z.string() });
export type RunbookCommand = z.infer<typeof RunbookCommand>;

/** Whether the caller may do an action on this run now, and if not, why (shown beside a disabled button). */
export const ActionAvailability = z.object({ allowed: z.boolean(), reason: z.string().nullable() });

export const RunDetails = RunSummary.extend({
  sender_login: z.string().nullable(),
  public_url: z.string().nullable(),
  namespace_state: z.enum(['active', 'deleted', 'none']),
  phases: z.array(RunPhase),
  status_lines: z.array(z.object({ seq: z.number().int(), message: z.string().nullable(), received_at: Iso })),
  agent_finished: z.object({ exit_code: z.number().int().nullable(), summary: z.string().nullable(), received_at: Iso }).nullable(),
  artifacts: z.array(ArtifactView),
  deploy: DeployTaskView.nullable(),
  runbook: z.array(RunbookCommand),
  actions: z.object({ cancel: ActionAvailability, delete_namespace: ActionAvailability }),
});
export type RunDetails = z.infer<typeof RunDetails>;

/** A flow event without its payload (`GET .../events/{event_id}` has it). */
export const EventSummary = z.object({
  id: z.string().describe('Its position (flow_events.id): newest first, and the SSE id.'),
  event_id: z.uuid(),
  event_type: z.string(),
  actor_type: z.enum(['system', 'agent', 'human']),
  actor_id: z.string().nullable(),
  occurred_at: Iso,
  created_at: Iso,
});
export type EventSummary = z.infer<typeof EventSummary>;

export const EventListResponse = z.object({ items: z.array(EventSummary), next_cursor: z.string().nullable() });
export type EventListResponse = z.infer<typeof EventListResponse>;
export const EventDetail = EventSummary.extend({ correlation_id: z.string(), causation_id: z.string().nullable(), subject: z.string(), payload: z.unknown() });
export type EventDetail = z.infer<typeof EventDetail>;

export const LogResponse = z.object({
  source: z.enum(['agent_stream', 'pod', 'stored_tail', 'none']).describe('agent_stream: what the agent streamed; pod: its live pod; stored_tail: the end kept with the run.'),
  lines: z.array(z.string()),
  truncated: z.boolean().describe('True when older lines exist (download the full log).'),
});
export type LogResponse = z.infer<typeof LogResponse>;

export const SlotView = z.object({
  project: ProjectRef,
  slot_no: z.number().int(),
  state: z.enum(['free', 'leased', 'releasing']),
  lease_owner: z.string().nullable(),
  lease_until: Iso.nullable(),
  namespace: z.string().nullable(),
  host: z.string().nullable(),
  public_url: z.string().nullable(),
  last_run_id: z.uuid().nullable(),
  last_commit_sha: z.string().nullable(),
  fingerprint: z.string().nullable(),
  deploy_status: RunStatusName.nullable(),
  updated_at: Iso,
  /** The slot's last staff redeploy, if any. */
  last_redeploy: z.object({ redeploy_id: z.uuid(), status: z.enum(['running', 'succeeded', 'failed']), requested_by: z.string(), fingerprint: z.string().nullable(), error: z.string().nullable(), created_at: Iso, finished_at: Iso.nullable() }).nullable(),
  /** Whether the caller may redeploy it now, and why not. */
  redeploy: z.object({ allowed: z.boolean(), reason: z.string().nullable() }),
});
export type SlotView = z.infer<typeof SlotView>;
export const SlotListResponse = z.object({ items: z.array(SlotView) });
export type SlotListResponse = z.infer<typeof SlotListResponse>;

export const NamespaceView = z.object({
  namespace: z.string(),
  project: ProjectRef,
  purpose: z.enum(['run', 'slot']),
  run_id: z.uuid().nullable(),
  run_status: RunStatusName.nullable(),
  created_at: Iso,
  age_seconds: z.number().int(),
  state: z.enum(['active', 'deleted']),
});
export type NamespaceView = z.infer<typeof NamespaceView>;
export const NamespaceListResponse = z.object({ items: z.array(NamespaceView), next_cursor: z.string().nullable() });
export type NamespaceListResponse = z.infer<typeof NamespaceListResponse>;

export type DeployTaskListResponse = z.infer<typeof DeployTaskListResponse>;
export const DeployTaskListResponse = z.object({ items: z.array(DeployTaskView.omit({ logs: true }).extend({ project: ProjectRef })), next_cursor: z.string().nullable() });

export const DeadLetterView = z.object({
  id: z.string(),
  event_id: z.uuid(),
  correlation_id: z.string(),
  stream: z.string(),
  consumer: z.string(),
  reason: z.string(),
  detail: z.string().nullable(),
  deliveries: z.number().int(),
  original_type: z.string().nullable(),
  original_subject: z.string().nullable(),
  original_event_id: z.string().nullable(),
  created_at: Iso,
  payload: z.unknown(),
  /** When it was retried from the console, the last time. */
  retried_at: Iso.nullable(),
});
export type DeadLetterView = z.infer<typeof DeadLetterView>;
export const DeadLetterListResponse = z.object({ items: z.array(DeadLetterView), next_cursor: z.string().nullable() });
export type DeadLetterListResponse = z.infer<typeof DeadLetterListResponse>;

/** What an action answers: what happened (`outcome`), or `pending` when the executing service has not answered yet. */
export const ActionResponse = z.object({
  request_id: z.uuid().nullable().describe('The id of the request event (null when nothing had to be done).'),
  outcome: z.enum(['canceled', 'deleted', 'already_deleted', 'pending']),
  run_id: z.uuid(),
  namespace: z.string().nullable(),
});
export type ActionResponse = z.infer<typeof ActionResponse>;

/** `POST /api/v1/staff/slots/{project}/{slot_no}/redeploy`. */
export const SlotParam = z.strictObject({ project: Slug, slot_no: IntParam(1, 1_000) });
export const RedeployResponse = z.object({
  redeploy_id: z.uuid(),
  outcome: z.enum(['redeployed', 'failed', 'pending']),
  namespace: z.string(),
  fingerprint: z.string().nullable(),
  error: z.string().nullable(),
});
export type RedeployResponse = z.infer<typeof RedeployResponse>;

/** `POST /api/v1/staff/dead-letters/{id}/retry`. */
export const DeadLetterParam = z.strictObject({ id: z.string().regex(/^\d{1,19}$/, 'not a dead letter id') });
export const RetryResponse = z.object({
  request_id: z.uuid(),
  outcome: z.enum(['retried', 'pending']),
  original_subject: z.string(),
  original_event_id: z.string().nullable(),
});
export type RetryResponse = z.infer<typeof RetryResponse>;

export const StaffErrorResponse = z.object({ error: z.string() });

/** The paths of the staff API (the UI and the tests use these). */
export const STAFF_API = {
  session: '/api/v1/staff/session',
  logout: '/api/v1/staff/logout',
  runs: '/api/v1/staff/runs',
  run: (id: string) => `/api/v1/staff/runs/${id}`,
  events: (id: string) => `/api/v1/staff/runs/${id}/events`,
  event: (id: string, eventId: string) => `/api/v1/staff/runs/${id}/events/${eventId}`,
  logs: (id: string) => `/api/v1/staff/runs/${id}/logs`,
  logsDownload: (id: string) => `/api/v1/staff/runs/${id}/logs/download`,
  artifact: (id: string, name: string) => `/api/v1/staff/runs/${id}/artifacts/${encodeURIComponent(name)}`,
  cancel: (id: string) => `/api/v1/staff/runs/${id}/cancel`,
  namespace: (id: string) => `/api/v1/staff/runs/${id}/namespace`,
  stream: '/api/v1/staff/stream',
  slots: '/api/v1/staff/slots',
  namespaces: '/api/v1/staff/namespaces',
  deployTasks: '/api/v1/staff/deploy-tasks',
  deadLetters: '/api/v1/staff/dead-letters',
  redeploy: (project: string, slotNo: number) => `/api/v1/staff/slots/${project}/${slotNo}/redeploy`,
  retry: (id: string) => `/api/v1/staff/dead-letters/${id}/retry`,
  login: '/login',
} as const;
