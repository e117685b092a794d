import type { ComponentChildren } from 'preact';

/** A failed request's text, announced once. */
export function ErrorNote({ message }: { message: string | null }) {
  return message ? (
    <p class="note error" role="alert">
      {message}
    </p>
  ) : null;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="note muted">{children}</p>;
}

/** "Load more" for a keyset-paginated list; nothing when there is no next page. */
export function MoreButton({ next, loading, onMore, label }: { next: string | null; loading: boolean; onMore: () => void; label: string }) {
  if (!next) return null;
  return (
    <div class="more">
      <button type="button" onClick={onMore} disabled={loading}>
        {loading ? 'Loading…' : label}
      </button>
    </div>
  );
}
