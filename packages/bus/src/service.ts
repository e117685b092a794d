import { createLogger, initTelemetry, installProcessPolicy, onShutdown, startHealth, type BaseConfig, type Logger } from '@codex-k8s/runtime';
import { connectBus, type Bus } from './bus.js';
import type { RunningConsumer } from './consumer.js';

/** What a service plugs into the common start-up: its consumers and its own resources. */
export interface ServiceSpec {
  readonly name: string;
  readonly config: BaseConfig;
  /** Create/update the streams (only the recorder may); the others wait, not ready, until the stream exists. */
  readonly manageStreams?: boolean;
  /** Starts the service's consumers once the bus is up. */
  readonly start: (bus: Bus, log: Logger) => Promise<readonly RunningConsumer[]>;
  /** Extra readiness (e.g. a DB ping); the bus connection is always checked. */
  readonly ready?: () => Promise<boolean>;
  /** Releases the service's own resources after the consumers and the bus have stopped. */
  readonly close?: () => Promise<void>;
}

/**
 * The fixed start-up order every bus service shares: telemetry -> logger -> bus -> health (not ready until the
 * event stream exists) -> consumers, and
 * the reverse on SIGTERM/SIGINT: not ready -> stop pulling and finish in-flight -> drain -> close -> flush.
 * Returns the shutdown function (tests call it instead of sending a signal).
 */
export async function runService(spec: ServiceSpec): Promise<() => Promise<void>> {
  const telemetry = initTelemetry({ serviceName: spec.name });
  const log = createLogger({ name: spec.name, level: spec.config.LOG_LEVEL });
  // From here on a promise nobody handles ends the process with the error logged (a supervisor restarts it).
  installProcessPolicy(log);
  const bus = await connectBus({
    url: spec.config.NATS_URL,
    name: spec.name,
    stream: spec.config.BUS_STREAM,
    subjectRoot: spec.config.BUS_SUBJECT_ROOT,
    log,
    ...(spec.config.NATS_NKEY_SEED_FILE ? { nkeySeedFile: spec.config.NATS_NKEY_SEED_FILE } : {}),
    ...(spec.manageStreams ? { manageStreams: true } : {}),
  });
  const health = await startHealth({
    port: spec.config.HEALTH_PORT,
    host: spec.config.HEALTH_HOST,
    ready: async () => bus.isConnected() && (spec.ready ? await spec.ready() : true),
  });
  await bus.streamReady;
  const consumers = await spec.start(bus, log);
  log.info({ healthPort: health.port }, 'started');
  return onShutdown(log, async () => {
    health.markNotReady();
    await Promise.all(consumers.map((c) => c.close()));
    await bus.drain();
    await spec.close?.();
    await health.close();
    await telemetry.shutdown();
  });
}
