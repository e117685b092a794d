export { RUN_ENDED_EVENTS, RUN_KINDS, RUN_KIND_SUMMARY, RunKind, handles, handlesRun, routeOf, runKindOf, stepOf } from './route.js';
export type { RouteStep, RunKindFacts } from './route.js';
export { causeOf, publishCaused, runEventId } from './publish.js';
export type { Cause, RunEventOut } from './publish.js';
export { endRunWithLaunchError } from './launch-error.js';
export type { LaunchFailure, RunFacts } from './launch-error.js';
export { observeRunPhase } from './phases.js';
export type { RunPhase } from './phases.js';
