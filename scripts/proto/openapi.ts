import { AcceptedResponse, AgentReportRequest, ArtifactName, ArtifactRequest, ErrorResponse, LogChunkRequest } from '@codex-k8s/contracts';
import { stringify } from 'yaml';
import { z } from 'zod';

/** A request or response schema as an OpenAPI 3.1 Schema Object (JSON Schema 2020-12 without `$schema`). */
function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, id: _id, ...js } = z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any', io }) as Record<string, unknown>;
  return js;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => ({ description, content: { 'application/json': { schema: ref('ErrorResponse') } } });

/** The refusals every run endpoint may answer, with what each means. */
const REFUSALS = {
  '400': error('The request does not match the contract: `error` names the field and the rule.'),
  '401': error('No bearer token, an unknown one, a revoked one (the run ended) or an expired one. Read the token file again once, then stop.'),
  '403': error('The token belongs to another run than the one in the path.'),
  '409': error('The run has ended, or the same seq / type / artifact name was stored before with other content.'),
  '413': error('The body, the chunk or the artifact is over its limit, or the run is over its log or artifact quota.'),
  '429': {
    ...error('Too many requests for this run: wait `Retry-After` seconds.'),
    headers: { 'Retry-After': { schema: { type: 'integer', minimum: 1 }, description: 'seconds to wait' } },
  },
  '503': error('The gateway cannot store or publish right now: retry with backoff (every request is idempotent).'),
};

function operation(o: { id: string; summary: string; description: string; body: string }): Record<string, unknown> {
  return {
    operationId: o.id,
    summary: o.summary,
    description: o.description,
    security: [{ runToken: [] }],
    requestBody: { required: true, content: { 'application/json': { schema: ref(o.body) } } },
    responses: {
      '201': { description: 'Stored now.', content: { 'application/json': { schema: ref('AcceptedResponse') } } },
      '200': { description: 'Stored before by the same request (a retry): nothing changed.', content: { 'application/json': { schema: ref('AcceptedResponse') } } },
      ...REFUSALS,
    },
  };
}

const runId = { name: 'run_id', in: 'path', required: true, description: 'The run (CODEXK8S_RUN_ID).', schema: { type: 'string', format: 'uuid' } };

/** proto/agent-gateway.openapi.yaml: the agent gateway's HTTP contract, from the zod schemas agent-gateway validates with. */
export function agentGatewayOpenApi(header: string): string {
  const doc = {
    openapi: '3.1.0',
    info: {
      title: 'codex-k8s agent gateway',
      version: '1.0.0',
      description:
        `${header}\n\nThe only way in for an agent running in a codex-k8s run: report phases and status lines, stream the ` +
        'log, store artifacts. Authenticate with the run token (the file named by CODEXK8S_AGENT_TOKEN_FILE) as a bearer ' +
        'token; the base URL is CODEXK8S_AGENT_GATEWAY_URL. Every request is idempotent: send it again until it is ' +
        'answered. docs/agents.md explains the contract with examples.',
    },
    servers: [{ url: '{gateway}', variables: { gateway: { default: 'http://agent-gateway.codex-k8s-system.svc:8080', description: 'CODEXK8S_AGENT_GATEWAY_URL' } } }],
    paths: {
      '/api/v1/runs/{run_id}/reports': {
        parameters: [runId],
        post: operation({
          id: 'report',
          summary: 'Report a phase or a status line',
          description: '`started`, `ready`, `status` (numbered by `seq`) and `finished` (with `exit_code`): each becomes a run.agent.* event recorded with actor_type agent.',
          body: 'AgentReportRequest',
        }),
      },
      '/api/v1/runs/{run_id}/logs': {
        parameters: [runId],
        post: operation({
          id: 'appendLog',
          summary: 'Append a chunk of the log',
          description: 'Chunks are numbered from 0 by `seq` and read back in that order; a chunk sent again is stored once. Logs outlive the run namespace (retention CODEXK8S_AGENT_LOG_RETENTION_DAYS).',
          body: 'LogChunkRequest',
        }),
      },
      '/api/v1/runs/{run_id}/artifacts/{name}': {
        parameters: [runId, { name: 'name', in: 'path', required: true, description: 'Unique per run.', schema: schemaOf(ArtifactName, 'input') }],
        put: operation({
          id: 'putArtifact',
          summary: 'Store an artifact',
          description: 'A file or report (content in base64), a pull request, a branch or a link. Becomes run.artifact.added (and run.pr.created for a pull request); the content is stored, never published.',
          body: 'ArtifactRequest',
        }),
      },
    },
    components: {
      securitySchemes: { runToken: { type: 'http', scheme: 'bearer', description: 'The run token: 43 characters of base64url, valid for its run only, until the run ends.' } },
      schemas: {
        AgentReportRequest: schemaOf(AgentReportRequest, 'input'),
        LogChunkRequest: schemaOf(LogChunkRequest, 'input'),
        ArtifactRequest: schemaOf(ArtifactRequest, 'input'),
        AcceptedResponse: schemaOf(AcceptedResponse, 'output'),
        ErrorResponse: schemaOf(ErrorResponse, 'output'),
      },
    },
  };
  return `# ${header}\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
