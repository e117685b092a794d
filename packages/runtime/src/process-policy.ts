import type { Logger } from 'pino';

/** Exit code of a process that hit a bug it could not handle (EX_SOFTWARE), distinct from a config error (78). */
export const EXIT_UNHANDLED = 70;

let installed = false;

/**
 * Makes an unhandled promise rejection or an uncaught exception fatal, loudly: it is logged with the error and
 * the process exits non-zero, so that a supervisor (a Deployment, the local stack) restarts it. A bug is never
 * swallowed, and a process whose state is unknown does not keep serving. Installed once per process; later calls
 * are no-ops (the first logger wins).
 */
export function installProcessPolicy(log: Logger, exit: (code: number) => void = (code) => process.exit(code)): void {
  if (installed) return;
  installed = true;
  const fatal = (kind: 'unhandled rejection' | 'uncaught exception') => (err: unknown) => {
    // pino writes synchronously to stdout by default, so the line is out before the exit.
    log.fatal({ err }, `${kind}; exiting so a supervisor restarts the process`);
    exit(EXIT_UNHANDLED);
  };
  process.on('unhandledRejection', fatal('unhandled rejection'));
  process.on('uncaughtException', fatal('uncaught exception'));
}
