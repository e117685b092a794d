import type { Migration } from 'kysely';
import * as foundation from './2026_11_24_0001_foundation.js';
import * as runs from './2026_11_24_0002_runs.js';
import * as slots from './2026_11_24_0003_slots.js';
import * as runLogs from './2026_11_24_0004_run_logs.js';
import * as namespaceOwners from './2026_11_30_0005_namespace_owners.js';
import * as webhookBodyBytes from './2026_11_30_0006_webhook_body_bytes.js';
import * as leases from './2026_11_30_0007_leases.js';
import * as deployProgress from './2026_11_30_0008_deploy_progress.js';
import * as agentContract from './2026_11_30_0009_agent_contract.js';
import * as staffConsole from './2026_11_30_0010_staff_console.js';
import * as slotRedeploys from './2026_11_30_0011_slot_redeploys.js';
import * as githubReporter from './2026_12_01_0012_github_reporter.js';

/** All migrations in order; listed statically so they run the same from sources and from dist. */
export const MIGRATIONS: Record<string, Migration> = {
  '2026_11_24_0001_foundation': foundation,
  '2026_11_24_0002_runs': runs,
  '2026_11_24_0003_slots': slots,
  '2026_11_24_0004_run_logs': runLogs,
  '2026_11_30_0005_namespace_owners': namespaceOwners,
  '2026_11_30_0006_webhook_body_bytes': webhookBodyBytes,
  '2026_11_30_0007_leases': leases,
  '2026_11_30_0008_deploy_progress': deployProgress,
  '2026_11_30_0009_agent_contract': agentContract,
  '2026_11_30_0010_staff_console': staffConsole,
  '2026_11_30_0011_slot_redeploys': slotRedeploys,
  '2026_12_01_0012_github_reporter': githubReporter,
};
