import { signal } from '@preact/signals';
import { PATHS, withQuery } from './api.js';
import type { EventSummary, RunSummary } from './types.js';

export type StreamState = 'off' | 'connecting' | 'live' | 'retrying';

/** The live stream's state, shown in the nav. */
export const streamState = signal<StreamState>('off');

export interface StreamHandlers {
  /** A visible run changed (or is new). */
  onRun?: (run: RunSummary) => void;
  /** A new event of the run the stream was opened for. */
  onFlow?: (event: EventSummary) => void;
  /** The stream came back after the server closed it: what was missed must be read again. */
  onResync?: () => void;
}

function parse<T>(m: MessageEvent<string>): T | null {
  try {
    return JSON.parse(m.data) as T;
  } catch {
    return null;
  }
}

/**
 * Opens the server-sent events stream (`run` messages; with `run_id` also `flow`). The browser resumes a dropped
 * stream itself (Last-Event-ID); when the server ends it for good, a new one is opened with backoff. Returns the
 * function that closes it.
 */
export function openStream(params: { run_id?: string; project?: string }, handlers: StreamHandlers): () => void {
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  const connect = (resync: boolean): void => {
    const es = new EventSource(withQuery(PATHS.stream, params));
    source = es;
    streamState.value = resync ? 'retrying' : 'connecting';
    es.addEventListener('open', () => {
      streamState.value = 'live';
      failures = 0;
      if (resync) handlers.onResync?.();
      resync = false;
    });
    es.addEventListener('run', (m) => {
      const run = parse<RunSummary>(m);
      if (run) handlers.onRun?.(run);
    });
    es.addEventListener('flow', (m) => {
      const event = parse<EventSummary>(m);
      if (event) handlers.onFlow?.(event);
    });
    es.addEventListener('error', () => {
      streamState.value = 'retrying';
      if (es.readyState !== EventSource.CLOSED) return;
      timer = setTimeout(() => connect(true), Math.min(30_000, 1_000 * 2 ** failures++));
    });
  };
  connect(false);
  return () => {
    clearTimeout(timer);
    source?.close();
    streamState.value = 'off';
  };
}
