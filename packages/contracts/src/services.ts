/** The services (the seven of the design, agent-gateway, staff-console and github-reporter); each name is its folder, durable consumer, field manager, OTel service.name and log name. */
export const SERVICE_NAMES = [
  'webhook-ingress',
  'planner',
  'namespace-provisioner',
  'deployer',
  'tls-watcher',
  'agent-launcher',
  'audit-writer',
  'agent-gateway',
  'staff-console',
  'github-reporter',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
