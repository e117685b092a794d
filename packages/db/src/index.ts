export { createDb, pingDb, waitForDb } from './database.js';
export type { Database, Db } from './database.js';
export { MigrationError, migrateToLatest } from './migrate.js';
export type { FlowEventRow, NewFlowEventRow } from './tables/flow-events.table.js';
export type { WebhookDeliveryRow } from './tables/webhook-deliveries.table.js';
export type { AgentRunRow, ProjectRow, RepositoryRow, RunStatus, SlotRow } from './tables/platform.table.js';
export { insertFlowEvent, lastFlowEventId, listFlowEvents, listFlowEventsAfter, listFlowEventsByType } from './repositories/flow-events.repository.js';
export { countDuplicate, insertDeliveryIfAbsent, markDeliveryPublished } from './repositories/webhook-deliveries.repository.js';
