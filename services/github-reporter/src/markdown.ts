// Markdown for GitHub comments built from text the platform does not control (labels, logins, an agent's status
// lines, errors): such text is only ever placed inside code spans or fenced blocks, so it cannot add links, images,
// @mentions, HTML or close the platform's own markup.

/** Cuts `text` to at most `max` UTF-16 units, marking the cut with an ellipsis. Pure. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  // Never leave half of a surrogate pair.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

const longestRun = (text: string, ch: string): number => {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === ch ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
};

/** One line of untrusted text as an inline code span (newlines become spaces). Pure. */
export function codeSpan(text: string, max = 200): string {
  const one = clip(text.replace(/[\r\n\t]+/g, ' ').trim(), max);
  if (one === '') return '` `';
  const fence = '`'.repeat(longestRun(one, '`') + 1);
  const pad = one.startsWith('`') || one.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${one}${pad}${fence}`;
}

/** Untrusted multi-line text as a fenced block that nothing inside can close. Pure. */
export function codeBlock(text: string, max = 2_000): string {
  const body = clip(text.replace(/\r\n?/g, '\n'), max);
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}text\n${body}\n${fence}`;
}

/**
 * A link to an http(s) URL the platform made or checked; anything else (another scheme, spaces, brackets that could
 * end the link early) is shown as code. The label must be platform text. Pure.
 */
export function link(label: string, url: string): string {
  return isPlainHttpUrl(url) ? `[${label}](${url})` : codeSpan(url);
}

/** Whether `url` is an absolute http(s) URL without characters that could break out of a Markdown link. Pure. */
export function isPlainHttpUrl(url: string): boolean {
  if (!/^https?:\/\/[^\s<>()[\]"'`\\]+$/.test(url)) return false;
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** A GitHub login safe to @mention (GitHub logins are letters, digits and single hyphens); null otherwise. Pure. */
export function mention(login: string | null): string | null {
  return login !== null && /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/.test(login) ? `@${login}` : null;
}
