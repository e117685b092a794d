import { absTime, now, relTime } from '../format.js';

/** A relative time ("5 min ago") with the absolute one as its title. */
export function Time({ iso }: { iso: string | null }) {
  if (!iso) return <span class="muted">—</span>;
  return (
    <time dateTime={iso} title={absTime(iso)}>
      {relTime(iso, now.value)}
    </time>
  );
}
