import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from './api.js';
import type { Page } from './types.js';

export interface Paged<T> {
  items: T[];
  next: string | null;
  loading: boolean;
  error: string | null;
  /** Appends the next page. */
  more: () => void;
  /** Edits the loaded rows (live updates). */
  setItems: (update: (items: T[]) => T[]) => void;
  /** Reads the list again from its first page, as many rows as are loaded, and swaps them in at once. */
  reload: () => void;
}

/** A keyset-paginated list, read again from its first page whenever `key` changes. */
export function usePaged<T>(load: (cursor?: string) => Promise<Page<T>>, key: string): Paged<T> {
  const [items, setItemsState] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const countRef = useRef(0);
  countRef.current = items.length;

  const fetchPage = useCallback((cursor?: string) => {
    const gen = cursor ? generation.current : ++generation.current;
    setLoading(true);
    setError(null);
    loadRef.current(cursor).then(
      (page) => {
        if (gen !== generation.current) return;
        setItemsState((old) => (cursor ? [...old, ...page.items] : page.items));
        setNext(page.next_cursor);
        setLoading(false);
      },
      (err: unknown) => {
        if (gen !== generation.current) return;
        if (!cursor) setItemsState([]);
        setError(messageOf(err));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => fetchPage(), [key, fetchPage]);
  const more = useCallback(() => {
    if (next) fetchPage(next);
  }, [next, fetchPage]);
  const reload = useCallback(() => {
    const gen = ++generation.current;
    const want = countRef.current;
    setLoading(true);
    const walk = async (): Promise<Page<T>> => {
      const rows: T[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await loadRef.current(cursor);
        rows.push(...page.items);
        if (!page.next_cursor || rows.length >= want) return { items: rows, next_cursor: page.next_cursor };
        cursor = page.next_cursor;
      }
    };
    walk().then(
      (page) => {
        if (gen !== generation.current) return;
        setItemsState(page.items);
        setNext(page.next_cursor);
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (gen !== generation.current) return;
        setError(messageOf(err));
        setLoading(false);
      },
    );
  }, []);
  return { items, next, loading, error, more, setItems: setItemsState, reload };
}

/** `fn` at most once per `ms`: the first call runs at once, later ones fold into one call at the end of the window. */
export function useThrottled(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const state = useRef<{ last: number; timer: ReturnType<typeof setTimeout> | undefined }>({ last: 0, timer: undefined });
  useEffect(() => () => clearTimeout(state.current.timer), []);
  return useCallback(() => {
    const s = state.current;
    if (s.timer) return;
    const wait = s.last + ms - Date.now();
    const run = (): void => {
      s.timer = undefined;
      s.last = Date.now();
      fnRef.current();
    };
    if (wait <= 0) run();
    else s.timer = setTimeout(run, wait);
  }, [ms]);
}

/** Calls `fn` every `ms` while `active` and the tab is visible. */
export function useInterval(fn: () => void, ms: number, active: boolean): void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => {
      if (!document.hidden) fnRef.current();
    }, ms);
    return () => clearInterval(id);
  }, [ms, active]);
}

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · codex-k8s staff`;
  }, [title]);
}
