// Values interpolated into YAML are written so they can never change the document's structure: a value made
// only of "plain-safe" characters is written as is (so numbers, booleans and image refs keep working and can
// be concatenated), anything else becomes a double-quoted YAML scalar with every quote, backslash, control
// character and single quote escaped. A newline, `---`, `#`, `: ` or `{{` inside a value therefore stays data.
const PLAIN_SAFE = /^[A-Za-z0-9._/@+=~-](?:[A-Za-z0-9._/@+=~:-]*[A-Za-z0-9._/@+=~-])?$/;

/** The text to put into YAML for one value (pure). */
export function yamlScalar(value: unknown): string {
  if (value === null || value === undefined) return '""';
  const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  if (PLAIN_SAFE.test(s)) return s;
  return JSON.stringify(s).replace(/'/g, '\\u0027');
}
