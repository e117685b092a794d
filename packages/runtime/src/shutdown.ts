import type { Logger } from 'pino';
import { installProcessPolicy } from './process-policy.js';

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits 0 (1 if stop throws or takes longer than `timeoutMs`).
 * Returns a function that triggers the same shutdown programmatically. Also installs the process policy
 * (installProcessPolicy): a service that handles signals also dies loudly on a bug, whichever start-up it uses.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>, timeoutMs = 25_000): () => Promise<void> {
  installProcessPolicy(log);
  let running: Promise<void> | undefined;
  const run = (): Promise<void> => {
    running ??= (async () => {
      log.info('shutting down');
      const timer = setTimeout(() => {
        log.error({ timeoutMs }, 'shutdown timed out');
        process.exit(1);
      }, timeoutMs);
      timer.unref();
      try {
        await stop();
        log.info('stopped');
        process.exitCode = 0;
      } catch (err) {
        log.error({ err }, 'shutdown failed');
        process.exitCode = 1;
      } finally {
        clearTimeout(timer);
      }
    })();
    return running;
  };
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.once(sig, () => {
      void run().then(() => process.exit(), () => process.exit(1));
    });
  }
  return run;
}
