import {
  ActionResponse,
  DeadLetterListResponse,
  DeployTaskListResponse,
  EventDetail,
  EventListQuery,
  EventListResponse,
  LogQuery,
  LogResponse,
  NamespaceListResponse,
  ProjectQuery,
  RunDetails,
  RunListQuery,
  RedeployResponse,
  RetryResponse,
  RunListResponse,
  SessionResponse,
  SlotListResponse,
  StaffErrorResponse,
  StreamQuery,
} from '@codex-k8s/contracts';
import { stringify } from 'yaml';
import { z } from 'zod';

/** A schema as an OpenAPI 3.1 Schema Object (JSON Schema 2020-12 without `$schema`). */
function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, id: _id, ...js } = z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any', io }) as Record<string, unknown>;
  return js;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (description: string, schema: string) => ({ description, content: { 'application/json': { schema: ref(schema) } } });
const error = (description: string) => json(description, 'ErrorResponse');

/** Query parameters from a query schema (every one optional, as strings in the URL). */
function queryOf(schema: z.ZodObject): Record<string, unknown>[] {
  return Object.entries(schema.shape).map(([name, s]) => {
    const js = schemaOf(s as z.ZodType, 'input');
    const { description, ...rest } = js;
    return { name, in: 'query', required: false, ...(description ? { description } : {}), schema: rest };
  });
}

const runId = { name: 'run_id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const READ_REFUSALS = {
  '400': error('A malformed id, filter or cursor, or a page size over the limit: `error` names the parameter.'),
  '401': error('Nobody signed in (no session, an ended one), or X-Forwarded-User from an address that is not the staff proxy.'),
  '403': error('A project the caller is not a member of (nothing of it in the body), or a login the platform does not know.'),
};
const RUN_REFUSALS = { ...READ_REFUSALS, '404': error('No such run (or event, or artifact).') };
const ACTION_REFUSALS = {
  ...RUN_REFUSALS,
  '403': error('Not a project admin, a missing or wrong X-CSRF-Token, or a cross-site request; nothing changed.'),
  '409': error('The run is in no state for it (ended, still running, a slot namespace, no namespace): `error` says why; nothing changed.'),
};

function get(id: string, summary: string, ok: string, o: { query?: z.ZodObject; path?: boolean; description?: string; refusals?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    get: {
      operationId: id,
      summary,
      ...(o.description ? { description: o.description } : {}),
      parameters: [...(o.path ? [runId] : []), ...(o.query ? queryOf(o.query) : [])],
      responses: { '200': json('OK', ok), ...(o.refusals ?? (o.path ? RUN_REFUSALS : READ_REFUSALS)) },
    },
  };
}

const action = (id: string, summary: string, description: string) => ({
  operationId: id,
  summary,
  description,
  security: [{ session: [], csrf: [] }, { proxy: [], csrf: [] }],
  parameters: [runId],
  responses: {
    '200': json('Done: `outcome` says what happened.', 'ActionResponse'),
    '202': json('Asked: the executing service did not answer within CODEXK8S_STAFF_ACTION_WAIT_MS (`outcome` pending); the run page shows the result.', 'ActionResponse'),
    ...ACTION_REFUSALS,
  },
});

/** proto/staff-console.openapi.yaml: the staff console's HTTP contract, from the zod schemas it validates with. */
export function staffConsoleOpenApi(header: string): string {
  const doc = {
    openapi: '3.1.0',
    info: {
      title: 'codex-k8s staff console',
      version: '1.0.0',
      description:
        `${header}\n\nWhat the platform did with each run, slot and namespace, and the staff actions on them. Reads come ` +
        'from Postgres; every action publishes an event recorded with actor_type human and the caller\'s login. Sign-in: ' +
        'behind oauth2-proxy (X-Forwarded-User, believed only from CODEXK8S_STAFF_TRUSTED_PROXIES) or, locally, a ' +
        'one-time login link that opens a session cookie. docs/staff-console.md explains roles and pages.',
    },
    servers: [{ url: '/' }],
    paths: {
      '/api/v1/staff/session': get('session', 'Who is signed in, their projects and roles, and the CSRF token', 'SessionResponse'),
      '/api/v1/staff/runs': get('listRuns', 'Runs newest first, filtered, keyset-paged', 'RunListResponse', { query: RunListQuery }),
      '/api/v1/staff/runs/{run_id}': get('getRun', 'A run page: status, trigger, phases, artifacts, deploy, runbook commands, actions', 'RunDetails', { path: true }),
      '/api/v1/staff/runs/{run_id}/events': get('listRunEvents', 'The run\'s events newest first, without payloads', 'EventListResponse', { path: true, query: EventListQuery }),
      '/api/v1/staff/runs/{run_id}/events/{event_id}': {
        get: {
          operationId: 'getRunEvent',
          summary: 'One event of the run with its payload',
          parameters: [runId, { name: 'event_id', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{1,19}$' } }],
          responses: { '200': json('OK', 'EventDetail'), ...RUN_REFUSALS },
        },
      },
      '/api/v1/staff/runs/{run_id}/logs': get('getRunLogs', 'The end of the agent\'s log', 'LogResponse', { path: true, query: LogQuery }),
      '/api/v1/staff/runs/{run_id}/logs/download': {
        get: { operationId: 'downloadRunLog', summary: 'The whole log as text', parameters: [runId], responses: { '200': { description: 'text/plain, as an attachment', content: { 'text/plain': { schema: { type: 'string' } } } }, ...RUN_REFUSALS } },
      },
      '/api/v1/staff/runs/{run_id}/artifacts/{name}': {
        get: {
          operationId: 'getArtifact',
          summary: 'An artifact\'s stored content (text inline as text/plain, anything else as a download; never rendered)',
          parameters: [runId, { name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The content', content: { 'text/plain': { schema: { type: 'string' } }, 'application/octet-stream': { schema: { type: 'string', contentEncoding: 'binary' } } } }, ...RUN_REFUSALS },
        },
      },
      '/api/v1/staff/runs/{run_id}/cancel': { post: action('cancelRun', 'Cancel a live run', 'agent-launcher deletes its Job and ends the run run.canceled (once). 409 for a run that has ended.') },
      '/api/v1/staff/runs/{run_id}/namespace': { delete: action('deleteRunNamespace', 'Delete an ended full-env run\'s namespace', 'namespace-provisioner deletes it (run.namespace.delete_by_staff). Already deleted: 200 with outcome already_deleted and nothing published.') },
      '/api/v1/staff/stream': {
        get: {
          operationId: 'stream',
          summary: 'Live updates as server-sent events',
          description: '`run` messages (a RunSummary) when a visible run changes; with run_id, also `flow` messages (an EventSummary) for each new event of that run. Message ids resume the stream (Last-Event-ID).',
          parameters: queryOf(StreamQuery),
          responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...RUN_REFUSALS, '503': error('Too many live streams on this replica: retry later.') },
        },
      },
      '/api/v1/staff/slots': get('listSlots', 'Slots with their lease, run, URL, commit and fingerprint', 'SlotListResponse', { query: ProjectQuery.pick({ project: true }) }),
      '/api/v1/staff/namespaces': get('listNamespaces', 'Namespaces the platform made: purpose, run, age, state', 'NamespaceListResponse', { query: ProjectQuery }),
      '/api/v1/staff/deploy-tasks': get('listDeployTasks', 'Slot deploys newest first', 'DeployTaskListResponse', { query: ProjectQuery }),
      '/api/v1/staff/dead-letters': get('listDeadLetters', 'Messages a consumer gave up on (platform admins only)', 'DeadLetterListResponse', { query: ProjectQuery.pick({ limit: true, cursor: true }) }),
      '/api/v1/staff/dead-letters/{id}/retry': {
        post: {
          operationId: 'retryDeadLetter',
          summary: 'Publish a dead letter\'s original again (platform admins)',
          description: 'audit-writer publishes the recorded original to its own subject again (bus.dead_letter.retried); its consumers see the same event once more. 409 for a dead letter without an event (a poison body).',
          security: [{ session: [], csrf: [] }, { proxy: [], csrf: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, description: 'The dead letter\'s id in the list.', schema: { type: 'string', pattern: '^\\d{1,19}$' } }],
          responses: {
            '200': json('Published again.', 'RetryResponse'),
            '202': json('Asked; audit-writer did not confirm within CODEXK8S_STAFF_ACTION_WAIT_MS.', 'RetryResponse'),
            ...ACTION_REFUSALS,
          },
        },
      },
      '/api/v1/staff/slots/{project}/{slot_no}/redeploy': {
        post: {
          operationId: 'redeploySlot',
          summary: 'Apply a free slot\'s last deploy again, every unit, under a new fingerprint (project admins)',
          description: 'The deployer leases the slot, applies the stack of its last deploy in order (each unit ready before the next) and frees it: slot.redeployed or slot.redeploy_failed. 409 while a run holds the slot, for a slot never deployed, or while a redeploy of it runs.',
          security: [{ session: [], csrf: [] }, { proxy: [], csrf: [] }],
          parameters: [
            { name: 'project', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'slot_no', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
          ],
          responses: {
            '200': json('Done (`outcome` redeployed or failed, with the error).', 'RedeployResponse'),
            '202': json('Asked; the deployer is still at it (a real stack takes minutes): the slots page shows the result.', 'RedeployResponse'),
            ...ACTION_REFUSALS,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: '__Host-staff_session', description: 'Opened by a one-time login link (GET /login?t=...).' },
        proxy: { type: 'apiKey', in: 'header', name: 'X-Forwarded-User', description: 'Set by oauth2-proxy; believed only from CODEXK8S_STAFF_TRUSTED_PROXIES.' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'csrf_token of GET /api/v1/staff/session; required on every action.' },
      },
      schemas: {
        SessionResponse: schemaOf(SessionResponse, 'output'),
        RunListResponse: schemaOf(RunListResponse, 'output'),
        RunDetails: schemaOf(RunDetails, 'output'),
        EventListResponse: schemaOf(EventListResponse, 'output'),
        EventDetail: schemaOf(EventDetail, 'output'),
        LogResponse: schemaOf(LogResponse, 'output'),
        SlotListResponse: schemaOf(SlotListResponse, 'output'),
        NamespaceListResponse: schemaOf(NamespaceListResponse, 'output'),
        DeployTaskListResponse: schemaOf(DeployTaskListResponse, 'output'),
        DeadLetterListResponse: schemaOf(DeadLetterListResponse, 'output'),
        ActionResponse: schemaOf(ActionResponse, 'output'),
        RedeployResponse: schemaOf(RedeployResponse, 'output'),
        RetryResponse: schemaOf(RetryResponse, 'output'),
        ErrorResponse: schemaOf(StaffErrorResponse, 'output'),
      },
    },
  };
  return `# ${header}\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
