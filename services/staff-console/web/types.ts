import type { z } from 'zod';
import type * as C from '../../../packages/contracts/src/staff-api.js';

// The API's shapes, as types only: the UI never imports a value from the contracts (that would bundle zod).
export type {
  ActionResponse,
  ArtifactView,
  DeadLetterView,
  DeployTaskView,
  EventDetail,
  EventSummary,
  LogResponse,
  NamespaceView,
  RedeployResponse,
  RetryResponse,
  RunDetails,
  RunListResponse,
  RunPhase,
  RunStatusName,
  RunSummary,
  RunbookCommand,
  SessionResponse,
  SlotView,
  STAFF_API,
} from '../../../packages/contracts/src/staff-api.js';

export type EventListResponse = z.infer<typeof C.EventListResponse>;
export type SlotListResponse = z.infer<typeof C.SlotListResponse>;
export type NamespaceListResponse = z.infer<typeof C.NamespaceListResponse>;
export type DeployTaskListResponse = z.infer<typeof C.DeployTaskListResponse>;
export type DeployTaskRow = DeployTaskListResponse['items'][number];
export type DeadLetterListResponse = z.infer<typeof C.DeadLetterListResponse>;
export type StaffProject = C.SessionResponse['projects'][number];

/** A page of a keyset-paginated list. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
