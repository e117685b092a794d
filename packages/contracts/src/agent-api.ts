import { z } from 'zod';
import { PG_INT_MAX, PRINTABLE_NAME, StorableText } from './events/webhook.js';

/**
 * The agent gateway's HTTP contract (proto/agent-gateway.openapi.yaml is generated from these schemas). Every limit
 * here is also what storage holds: texts are Postgres-storable, numbers fit an `integer` column.
 */

/** The phases an agent reports; a status line is the only one that repeats (numbered by `seq`). */
export const AgentReportType = z.enum(['started', 'ready', 'status', 'finished']);
export type AgentReportType = z.infer<typeof AgentReportType>;

const Seq = z.number().int().min(0).max(PG_INT_MAX);
const ExitCode = z.number().int().min(-PG_INT_MAX - 1).max(PG_INT_MAX);

/** `POST /api/v1/runs/{run_id}/reports`. */
export const AgentReportRequest = z
  .strictObject({
    type: AgentReportType.describe('started, ready, status (a status line) or finished'),
    seq: Seq.optional().describe('Required for status: the agent\'s own counter from 0, so a retried line is stored once. Ignored otherwise.'),
    message: StorableText(2_000).optional().describe('The status line (required for status), or a short note.'),
    exit_code: ExitCode.optional().describe('Required for finished: the agent command\'s exit code (0 = success).'),
    summary: StorableText(8_000).optional().describe('For finished: what the agent did, in a few lines.'),
  })
  .superRefine((r, ctx) => {
    if (r.type === 'status' && r.seq === undefined) ctx.addIssue({ code: 'custom', path: ['seq'], message: 'required for a status report' });
    if (r.type === 'status' && !r.message) ctx.addIssue({ code: 'custom', path: ['message'], message: 'required for a status report' });
    if (r.type === 'finished' && r.exit_code === undefined) ctx.addIssue({ code: 'custom', path: ['exit_code'], message: 'required for a finished report' });
    if (r.type !== 'finished' && (r.exit_code !== undefined || r.summary !== undefined)) ctx.addIssue({ code: 'custom', path: ['exit_code'], message: 'only a finished report carries exit_code and summary' });
  });
export type AgentReportRequest = z.infer<typeof AgentReportRequest>;

/** `POST /api/v1/runs/{run_id}/logs`: one chunk of the agent's output. */
export const LogChunkRequest = z
  .strictObject({
    seq: Seq.describe('The chunk\'s position in the run\'s log, from 0; the same seq and text again is stored once.'),
    stream: z.enum(['stdout', 'stderr']),
    text: StorableText(1_048_576).describe('The output as UTF-8 text: at most CODEXK8S_AGENT_LOG_CHUNK_MAX_BYTES bytes (256 KiB by default), no U+0000.'),
  });
export type LogChunkRequest = z.infer<typeof LogChunkRequest>;

export const ArtifactKind = z.enum(['pull_request', 'branch', 'file', 'report', 'link']);
export type ArtifactKind = z.infer<typeof ArtifactKind>;

/** An artifact's name: a file-name-like token, unique per run. */
export const ArtifactName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-", starting with a letter or digit');

const HttpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2_000)
  .regex(PRINTABLE_NAME, 'contains control characters');
const BranchName = z.string().min(1).max(255).regex(/^[A-Za-z0-9._/-]+$/, 'not a branch name');

/** `PUT /api/v1/runs/{run_id}/artifacts/{name}`: what the artifact is, and its content for files and reports. */
export const ArtifactRequest = z
  .strictObject({
    kind: ArtifactKind,
    content_base64: z
      .base64()
      .max(16 * 1024 * 1024)
      .optional()
      .describe('Required for file and report: the content in base64, at most CODEXK8S_AGENT_ARTIFACT_MAX_BYTES (5 MiB by default) once decoded.'),
    content_type: z
      .string()
      .max(200)
      .regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(; ?charset=[A-Za-z0-9_-]+)?$/, 'not a media type')
      .optional()
      .describe('The content\'s media type (application/octet-stream when absent).'),
    url: HttpUrl.optional().describe('Required for pull_request and link: an http(s) URL.'),
    number: z.number().int().positive().max(PG_INT_MAX).optional().describe('Required for pull_request: its number.'),
    branch: BranchName.optional().describe('Required for pull_request (its head branch) and branch.'),
    title: StorableText(500).optional().describe('A line saying what it is.'),
  })
  .superRefine((a, ctx) => {
    const need = (field: keyof typeof a, why: string): void => {
      if (a[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required for ${why}` });
    };
    if (a.kind === 'file' || a.kind === 'report') need('content_base64', `a ${a.kind}`);
    if (a.kind === 'pull_request') for (const f of ['url', 'number', 'branch'] as const) need(f, 'a pull_request');
    if (a.kind === 'branch') need('branch', 'a branch');
    if (a.kind === 'link') need('url', 'a link');
  });
export type ArtifactRequest = z.infer<typeof ArtifactRequest>;

/** What every accepted request answers: stored now, or already stored by an earlier identical request. */
export const AcceptedResponse = z.object({ accepted: z.literal(true), duplicate: z.boolean() });
export type AcceptedResponse = z.infer<typeof AcceptedResponse>;

/** Every refusal: the status code says the class, `error` the reason (never a secret). */
export const ErrorResponse = z.object({ error: z.string(), retry_after_seconds: z.number().int().optional() });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** The path of each gateway endpoint under a run (the runner and the docs use these). */
export const AGENT_API = {
  reports: (runId: string) => `/api/v1/runs/${runId}/reports`,
  logs: (runId: string) => `/api/v1/runs/${runId}/logs`,
  artifact: (runId: string, name: string) => `/api/v1/runs/${runId}/artifacts/${encodeURIComponent(name)}`,
} as const;
