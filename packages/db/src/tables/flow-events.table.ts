import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export interface FlowEventsTable {
  id: Generated<string>;
  event_id: string;
  correlation_id: string;
  causation_id: string | null;
  actor_type: 'system' | 'agent' | 'human';
  actor_id: string | null;
  event_type: string;
  schema_version: number;
  subject: string;
  payload: ColumnType<unknown, string, string>;
  occurred_at: ColumnType<Date, string, string>;
  stream_seq: ColumnType<string | null, number | null, number | null>;
  created_at: Generated<Date>;
}
export type FlowEventRow = Selectable<FlowEventsTable>;
export type NewFlowEventRow = Insertable<FlowEventsTable>;
