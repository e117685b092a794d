import type { EventDefinition } from './define.js';

/** Default subject root and stream name; both are configurable so side-by-side stacks and tests never collide. */
export const DEFAULT_SUBJECT_ROOT = 'platform';
export const DEFAULT_STREAM = 'PLATFORM';

/** The one place subjects are derived: `<root>.<event type>.v<version>`, e.g. `platform.webhook.received.v1`. */
export function subjectFor(root: string, event: Pick<EventDefinition, 'type' | 'version'>): string {
  return `${root}.${event.type}.v${event.version}`;
}

/** Every subject of the platform under a root (what the stream captures and audit-writer reads). */
export function allSubjects(root: string): string {
  return `${root}.>`;
}

/**
 * Parses `<root>.<type>.v<n>` back into type and version; undefined for anything else
 * (a subject root never contains dots).
 */
export function parseSubject(root: string, subject: string): { type: string; version: number } | undefined {
  const prefix = `${root}.`;
  if (!subject.startsWith(prefix)) return undefined;
  const m = /^(.+)\.v(\d+)$/.exec(subject.slice(prefix.length));
  return m ? { type: m[1] as string, version: Number(m[2]) } : undefined;
}
