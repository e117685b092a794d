import { signal } from '@preact/signals';

/** The History API router: the server answers index.html for every path outside /api. */
export interface Location {
  path: string;
  query: URLSearchParams;
}

const read = (): Location => ({ path: location.pathname, query: new URLSearchParams(location.search) });

/** Where the app is; pages read it and re-render when it changes. */
export const route = signal<Location>(read());

/** Goes to `href` without a page load (another origin loads as usual); `replace` keeps the history entry. */
export function navigate(href: string, replace = false): void {
  const url = new URL(href, location.href);
  if (url.origin !== location.origin) return location.assign(url);
  const target = url.pathname + url.search + url.hash;
  if (target === location.pathname + location.search + location.hash) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', target);
  const pathChanged = route.value.path !== url.pathname;
  route.value = read();
  if (pathChanged) window.scrollTo(0, 0);
}

/** Replaces the current page's query (empty values are dropped). */
export function setQuery(values: Readonly<Record<string, string | undefined>>): void {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) params.set(k, v);
  const qs = params.toString();
  navigate(qs ? `${location.pathname}?${qs}` : location.pathname, true);
}

const plainClick = (e: MouseEvent): boolean => !e.defaultPrevented && e.button === 0 && !(e.metaKey || e.ctrlKey || e.shiftKey || e.altKey);

/** Whether the app shows this link itself: not a new tab, a download, another origin, an anchor on this page, the API or the login. */
function isAppLink(a: HTMLAnchorElement): boolean {
  if (!a.href || a.target || a.hasAttribute('download') || a.origin !== location.origin) return false;
  if (a.hash && a.pathname === location.pathname && a.search === location.search) return false;
  return !a.pathname.startsWith('/api/') && a.pathname !== '/login';
}

export function startRouter(): void {
  addEventListener('popstate', () => (route.value = read()));
  document.addEventListener('click', (e) => {
    const a = plainClick(e) && e.target instanceof Element ? e.target.closest('a') : null;
    if (!a || !isAppLink(a)) return;
    e.preventDefault();
    navigate(a.href);
  });
}

/** Matches `/runs/:id` patterns: the named segments (decoded), or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const have = (path.length > 1 ? path.replace(/\/+$/, '') : path).split('/');
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of want.entries()) {
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(have[i]!);
    else if (part !== have[i]) return null;
  }
  return params;
}
