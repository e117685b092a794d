import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | undefined, Date>;
type Json = ColumnType<unknown, string | undefined, string>;

export interface ProjectsTable {
  id: string;
  slug: string;
  name: string;
  settings: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RepositoriesTable {
  id: Generated<string>;
  project_id: string;
  provider: 'github' | 'gitlab';
  external_id: ColumnType<string, number, number>;
  owner: string;
  name: string;
  clone_url: string;
  services_yaml_path: Generated<string>;
  default_ref: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type RunStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'canceled';

export interface AgentRunsTable {
  id: Generated<string>;
  correlation_id: string;
  project_id: string | null;
  status: ColumnType<RunStatus, RunStatus | undefined, RunStatus>;
  run_payload: Json;
  learning_mode: Generated<boolean>;
  started_at: ColumnType<Date | null, Date | undefined, Date>;
  finished_at: ColumnType<Date | null, Date | undefined, Date>;
  created_at: Timestamp;
  updated_at: Timestamp;
  runtime_mode: 'full-env' | 'code-only' | null;
  repository_full_name: string | null;
  issue_number: number | null;
  namespace: string | null;
  job_name: string | null;
  job_namespace: string | null;
  slot_no: number | null;
  runtime_deploy: Generated<boolean>;
  agent_logs_tail: string | null;
  /** The terminal event of the run: `{ event_type, reason, error }`; set once, together with the final status. */
  outcome: ColumnType<RunOutcome | null, string | null | undefined, string | null>;
  /** The label that triggered the run (generated from run_payload, migration 0010). */
  trigger_label: ColumnType<string | null, never, never>;
}

export interface RunOutcome {
  readonly event_type: string;
  readonly reason: string | null;
  readonly error: string | null;
  /** The agent container's exit code, when it ran and ended (absent in outcomes recorded before it was kept). */
  readonly exit_code?: number | null;
  /** The staff member who canceled the run (run.canceled only). */
  readonly requested_by?: string | null;
}

export type MemberRole = 'admin' | 'read_write' | 'read_only';

export interface UsersTable {
  id: Generated<string>;
  github_login: string;
  is_platform_admin: Generated<boolean>;
  created_at: Generated<Date>;
}

export interface ProjectMembersTable {
  project_id: string;
  user_id: string;
  role: MemberRole;
  created_at: Generated<Date>;
}

export interface SlotsTable {
  id: Generated<string>;
  project_id: string;
  slot_no: number;
  state: ColumnType<'free' | 'leased' | 'releasing', 'free' | 'leased' | 'releasing' | undefined>;
  lease_owner: string | null;
  lease_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type ProjectRow = Selectable<ProjectsTable>;
export type RepositoryRow = Selectable<RepositoriesTable>;
export type AgentRunRow = Selectable<AgentRunsTable>;
export type SlotRow = Selectable<SlotsTable>;

export interface DeployLogLine {
  readonly stage: string;
  readonly level: 'info' | 'error';
  readonly message: string;
  readonly created_at: string;
}

export interface RuntimeDeployTasksTable {
  run_id: string;
  namespace: string;
  target_env: Generated<string>;
  slot_no: number;
  repository_full_name: string;
  services_yaml_path: string;
  build_ref: string;
  commit_sha: string | null;
  host: string | null;
  fingerprint: string | null;
  status: ColumnType<RunStatus, RunStatus | undefined, RunStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  logs_json: ColumnType<DeployLogLine[], string | undefined, string>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  started_at: Date | null;
  finished_at: Date | null;
  /** The desired state (fingerprint) the step progress below belongs to. */
  progress_fingerprint: string | null;
  /** Units applied and ready, in plan order. */
  units_done: Generated<number>;
  /** When work on the current unit began: its readiness deadline counts from here. */
  unit_started_at: Date | null;
  /** When the current unit's objects were applied (null: not yet). */
  unit_applied_at: Date | null;
}
export type RuntimeDeployTaskRow = Selectable<RuntimeDeployTasksTable>;

/** The project that owns a namespace (slots: recorded at the first lease, never transferred). */
export interface NamespaceOwnersTable {
  namespace: string;
  project_id: string;
  purpose: 'run' | 'slot';
  created_at: Generated<Date>;
}

/** A named lease for work one replica does at a time. */
export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: Date;
  updated_at: Generated<Date>;
}

/** A one-time staff login link (only its SHA-256 is kept). */
export interface StaffLoginLinksTable {
  token_hash: Buffer;
  login: string;
  expires_at: Date;
  used_at: ColumnType<Date | null, never, Date>;
}

/** A staff console session opened by a login link (only the cookie's SHA-256 is kept). */
export interface StaffSessionsTable {
  token_hash: Buffer;
  login: string;
  created_at: Generated<Date>;
  expires_at: Date;
}

/** Why a staff redeploy did not happen or did not finish (slot.redeploy_failed `reason`). */
export type RedeployFailureReason = 'slot_leased' | 'never_deployed' | 'deploy_failed';

/** A staff redeploy of a slot (migration 0011): its source, progress, stage logs and result. */
export interface SlotRedeploysTable {
  /** The request's redeploy_id. */
  id: string;
  project_id: string;
  slot_no: number;
  namespace: string;
  requested_by: string;
  /** The run whose deploy is repeated (null when none was found, or that run was deleted since). */
  source_run_id: string | null;
  status: ColumnType<'running' | 'succeeded' | 'failed', 'running' | 'succeeded' | 'failed' | undefined, 'running' | 'succeeded' | 'failed'>;
  failure_reason: RedeployFailureReason | null;
  commit_sha: string | null;
  host: string | null;
  /** The salted fingerprint the redeploy applied (set when it succeeded). */
  fingerprint: string | null;
  progress_fingerprint: string | null;
  units_done: Generated<number>;
  unit_started_at: Date | null;
  unit_applied_at: Date | null;
  logs_json: ColumnType<DeployLogLine[], string | undefined, string>;
  last_error: string | null;
  created_at: Generated<Date>;
  finished_at: Date | null;
}
export type SlotRedeployRow = Selectable<SlotRedeploysTable>;
