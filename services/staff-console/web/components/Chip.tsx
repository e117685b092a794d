/** A run (or deploy) status: `data-status` and the text are the status; the width is reserved for the longest one. */
export function StatusChip({ status, testId }: { status: string | null; testId?: string }) {
  if (!status) return <span class="muted">—</span>;
  return (
    <span class="chip" data-status={status} data-testid={testId}>
      {status}
    </span>
  );
}

/** Any other state (slot, namespace): `data-state` picks the colour. */
export function StateChip({ state }: { state: string }) {
  return (
    <span class="chip" data-state={state}>
      {state}
    </span>
  );
}

/** A long identifier cut to fit (the whole of it in the title). */
export function Mono({ value }: { value: string }) {
  return (
    <code class="trunc" title={value}>
      {value}
    </code>
  );
}
