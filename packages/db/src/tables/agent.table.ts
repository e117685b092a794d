import type { ColumnType, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, never>;
/** A bigint column: pg returns it as a string (Number.MAX_SAFE_INTEGER is far above any quota). */
type Counter = ColumnType<string, never, never>;

/** One row per run that got a token (migration 0009): the token's hash and the run's usage counters. */
export interface AgentTokensTable {
  run_id: string;
  token_hash: ColumnType<Buffer, Buffer, Buffer>;
  token_id: string;
  job_uid: string;
  issued_at: ColumnType<Date, Date | undefined, Date>;
  expires_at: ColumnType<Date, Date, Date>;
  revoked_at: ColumnType<Date | null, never, Date>;
  log_bytes: Counter;
  artifact_bytes: Counter;
}

export interface AgentReportsTable {
  run_id: string;
  type: 'started' | 'ready' | 'status' | 'finished';
  seq: number;
  message: string | null;
  exit_code: number | null;
  summary: string | null;
  received_at: Timestamp;
}

export interface AgentArtifactsTable {
  run_id: string;
  name: string;
  kind: 'pull_request' | 'branch' | 'file' | 'report' | 'link';
  content_type: string | null;
  size_bytes: number;
  sha256: ColumnType<Buffer | null, Buffer | null, never>;
  content: ColumnType<Buffer | null, Buffer | null, never>;
  url: string | null;
  number: number | null;
  branch: string | null;
  title: string | null;
  created_at: Timestamp;
}

export interface AgentLogChunksTable {
  run_id: string;
  seq: number;
  stream: 'stdout' | 'stderr';
  text: string;
  bytes: number;
  received_at: Timestamp;
}

export type AgentReportRow = Selectable<AgentReportsTable>;
export type AgentArtifactRow = Selectable<AgentArtifactsTable>;
export type AgentLogChunkRow = Selectable<AgentLogChunksTable>;
export type AgentTokenRow = Selectable<AgentTokensTable>;

