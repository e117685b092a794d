/** A de-duplicating work queue keyed by run id (see createRunQueue). */
export interface RunQueue {
  /**
   * Asks for one evaluation of `runId` that starts after this call. Resolves (never rejects) once such an
   * evaluation has ended, whatever its outcome: errors go to the queue's `onError`.
   */
  schedule(runId: string): Promise<void>;
  /** The same request without waiting for it (a watch event). */
  request(runId: string): void;
  /** Runs queued or being evaluated right now. */
  readonly size: number;
  /** Stops taking work and waits for the evaluations in progress. */
  close(): Promise<void>;
}

interface Entry {
  running: boolean;
  /** Another pass is wanted (queued, or asked for while one runs). */
  pending: boolean;
  /** Callers waiting for the pass in progress. */
  current: (() => void)[];
  /** Callers waiting for the next pass. */
  next: (() => void)[];
}

/**
 * One queue for every source of "look at this run" (Job watch, pod watch, resync): a run queued or being evaluated
 * is never evaluated twice at once, any number of requests while it waits collapse into one pass, and a request
 * while it is evaluated schedules exactly one more pass (the event may carry news the running pass did not see).
 * At most `concurrency` runs are evaluated at once, so a burst of watch events cannot exhaust the database pool.
 * `evaluate` errors are caught and handed to `onError`: nothing here can reject unhandled.
 */
export function createRunQueue(opts: { concurrency: number; evaluate: (runId: string) => Promise<void>; onError: (runId: string, err: unknown) => void }): RunQueue {
  const entries = new Map<string, Entry>();
  const fifo: string[] = [];
  const inflight = new Set<Promise<void>>();
  let closed = false;

  const start = (runId: string, e: Entry): void => {
    e.running = true;
    e.pending = false;
    e.current = e.next;
    e.next = [];
    const p = (async () => {
      try {
        await opts.evaluate(runId);
      } catch (err) {
        opts.onError(runId, err);
      }
    })().finally(() => {
      inflight.delete(p);
      e.running = false;
      for (const done of e.current) done();
      e.current = [];
      if (e.pending && !closed) fifo.push(runId);
      else {
        for (const done of e.next) done();
        entries.delete(runId);
      }
      pump();
    });
    inflight.add(p);
  };

  const pump = (): void => {
    while (!closed && inflight.size < opts.concurrency && fifo.length > 0) {
      const runId = fifo.shift() as string;
      const e = entries.get(runId);
      if (e) start(runId, e);
    }
  };

  const enqueue = (runId: string, done: () => void): void => {
    if (closed) return done();
    const e = entries.get(runId);
    if (!e) {
      entries.set(runId, { running: false, pending: true, current: [], next: [done] });
      fifo.push(runId);
      pump();
      return;
    }
    e.next.push(done);
    e.pending = true; // queued already: joins that pass; running: exactly one more pass after it
  };

  return {
    schedule: (runId) => new Promise<void>((resolve) => enqueue(runId, resolve)),
    request: (runId) => enqueue(runId, () => undefined),
    get size() {
      return entries.size;
    },
    async close() {
      closed = true;
      await Promise.allSettled([...inflight]);
      // Whoever still waits on a pass that will not run is released.
      for (const e of entries.values()) for (const done of [...e.current, ...e.next]) done();
      entries.clear();
      fifo.length = 0;
    },
  };
}
