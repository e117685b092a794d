/** A services.yaml that cannot be used: the message names the file, the path in the document and the rule. */
export class ServicesConfigError extends Error {
  override readonly name = 'ServicesConfigError';
  constructor(
    readonly file: string,
    readonly at: string,
    readonly rule: string,
  ) {
    super(`${file}${at ? ` at ${at}` : ''}: ${rule}`);
  }
}
