export { artifactNameOf, artifactsOf, mediaTypeOf, readArtifactFiles } from './artifacts.js';
export type { ArtifactUpload } from './artifacts.js';
export { backoffMs, retryAfterMs } from './backoff.js';
export { GatewayClient } from './client.js';
export type { SendResult } from './client.js';
export { directiveOf, LineSplitter } from './directives.js';
export { LogShipper, sliceBytes } from './log-shipper.js';
export { exitCodeOfSignal, readRunnerConfig, runAgent } from './runner.js';
export type { RunnerConfig, RunnerIo } from './runner.js';
