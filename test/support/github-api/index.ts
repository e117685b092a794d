/**
 * A GitHub REST API for tests, driven by GitHub's published OpenAPI description (`@octokit/openapi`): requests and
 * answers are checked against it, a few operations (App auth, issue comments, webhook deliveries) keep state.
 */
export { startGithubApi, API_VERSION } from './server.js';
export type { GithubApiServer, RequestLogEntry, Rejection, DeliveryInput } from './server.js';
export { secondaryRateLimit, primaryRateLimit } from './faults.js';
export type { FaultAnswer, FaultRule } from './faults.js';
export type { WebhookTarget } from './hookshot.js';
export { loadDescription } from './description.js';
export type { ApiOperation, Description, Problem } from './description.js';
export { JWT_MESSAGES } from './jwt.js';
