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
