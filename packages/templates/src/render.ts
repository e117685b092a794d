import Handlebars from 'handlebars';
import { yamlScalar } from './scalar.js';

/** A template that could not be rendered: names the template and the reason (missing field, bad syntax...). */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export interface RenderOptions {
  /** Where the template came from, for error messages (a file path in the repository). */
  readonly source: string;
  /** Variables `envOr` reads after `Vars` (never the platform's own process environment). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * `yaml` (default): each value is written as a safe YAML scalar, for templates that are YAML documents.
   * `text`: values are written as plain text, for rendering inside one already-parsed string value, where
   * the result can only ever be that string.
   */
  readonly mode?: 'yaml' | 'text';
}

const isBlank = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || v === false || v === 0 || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);

/** The template helpers the original codex-k8s offers: default, envOr, ternary, eq, ne, join, trimPrefix, toLower. */
function helpers(env: Readonly<Record<string, string | undefined>>, vars: () => Record<string, unknown>): Record<string, Handlebars.HelperDelegate> {
  const args = (a: unknown[]): unknown[] => a.slice(0, -1); // the last argument is Handlebars' options object
  return {
    default: (...a: unknown[]) => {
      const [value, fallback] = args(a);
      return isBlank(value) ? fallback : value;
    },
    envOr: (...a: unknown[]) => {
      const [key, fallback] = args(a) as [string, unknown];
      const fromVars = vars()[key];
      if (typeof fromVars === 'string' && fromVars !== '') return fromVars;
      const fromEnv = env[key];
      return fromEnv !== undefined && fromEnv !== '' ? fromEnv : fallback;
    },
    ternary: (...a: unknown[]) => {
      const [cond, yes, no] = args(a);
      return cond ? yes : no;
    },
    eq: (...a: unknown[]) => {
      const [x, y] = args(a);
      return x === y;
    },
    ne: (...a: unknown[]) => {
      const [x, y] = args(a);
      return x !== y;
    },
    join: (...a: unknown[]) => {
      const [list, sep] = args(a);
      return Array.isArray(list) ? list.join(String(sep ?? '')) : String(list ?? '');
    },
    trimPrefix: (...a: unknown[]) => {
      const [prefix, value] = args(a).map((x) => String(x ?? ''));
      return (value as string).startsWith(prefix as string) ? (value as string).slice((prefix as string).length) : value;
    },
    toLower: (...a: unknown[]) => String(args(a)[0] ?? '').toLowerCase(),
  };
}

const HELPER_NAMES = new Set(['default', 'envOr', 'ternary', 'eq', 'ne', 'join', 'trimPrefix', 'toLower', 'if', 'unless', 'each', 'with', 'lookup']);

type Node = hbs.AST.Node & Record<string, unknown>;

/**
 * Rewrites every `{{ expr }}` into `{{ __yaml expr }}` (or `{{ __yaml (helper args) }}`), so each value
 * passes through `yamlScalar`. Raw output (`{{{ }}}`, `{{& }}`) and partials are refused.
 */
function guard(node: Node, source: string): void {
  if (node.type === 'PartialStatement' || node.type === 'PartialBlockStatement') throw new TemplateError(`${source}: partials are not supported`);
  if (node.type === 'MustacheStatement') {
    const m = node as unknown as hbs.AST.MustacheStatement;
    if (!m.escaped) throw new TemplateError(`${source}:${m.loc.start.line}: raw output ({{{ }}} or {{& }}) is not allowed; values are quoted for YAML automatically`);
    const path = m.path as hbs.AST.PathExpression;
    const isCall = m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0 || (path.type === 'PathExpression' && HELPER_NAMES.has(path.original));
    const inner: hbs.AST.Expression = isCall
      ? ({ type: 'SubExpression', path: m.path, params: m.params, hash: m.hash, loc: m.loc } as unknown as hbs.AST.SubExpression)
      : m.path;
    m.path = { type: 'PathExpression', data: false, depth: 0, parts: ['__yaml'], original: '__yaml', loc: m.loc } as hbs.AST.PathExpression;
    m.params = [inner];
    m.hash = { type: 'Hash', pairs: [], loc: m.loc } as unknown as hbs.AST.Hash;
  }
  for (const key of ['body', 'program', 'inverse']) {
    const child = node[key] as Node | Node[] | undefined;
    if (Array.isArray(child)) for (const c of child) guard(c, source);
    else if (child && typeof child === 'object') guard(child, source);
  }
}

/**
 * Renders a template with Handlebars over `context` (strict: a missing field is an error). Every
 * interpolated value is emitted as a safe YAML scalar (`yamlScalar`), so untrusted text cannot add keys,
 * documents or comments. The output still has to be parsed and checked by the caller.
 * @throws TemplateError naming the source and the reason.
 */
export function renderTemplate(template: string, context: Record<string, unknown>, opts: RenderOptions): string {
  const hb = Handlebars.create();
  let ast: hbs.AST.Program;
  try {
    ast = hb.parse(template);
  } catch (err) {
    throw new TemplateError(`${opts.source}: ${(err as Error).message.split('\n')[0] ?? 'syntax error'}`);
  }
  guard(ast as unknown as Node, opts.source);
  const vars = (): Record<string, unknown> => (context.Vars as Record<string, unknown> | undefined) ?? {};
  hb.registerHelper(helpers(opts.env ?? {}, vars));
  hb.registerHelper('__yaml', (value: unknown, options: Handlebars.HelperOptions & { loc?: { start: { line: number } } }) => {
    if (value === undefined) throw new TemplateError(`line ${options.loc?.start.line ?? '?'}: a value is missing (unknown field, or a helper gave nothing)`);
    return opts.mode === 'text' ? (typeof value === 'string' ? value : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)) : yamlScalar(value);
  });
  try {
    return hb.compile(ast, { noEscape: true, strict: true, knownHelpersOnly: false })(context);
  } catch (err) {
    throw new TemplateError(`${opts.source}: ${(err as Error).message.split('\n')[0] ?? 'render failed'}`, { cause: err });
  }
}

/** `renderTemplate` in YAML mode: the template is a YAML document (a Kubernetes manifest). */
export function renderYamlTemplate(template: string, context: Record<string, unknown>, opts: Omit<RenderOptions, 'mode'>): string {
  return renderTemplate(template, context, { ...opts, mode: 'yaml' });
}

/** `renderTemplate` in text mode: the template is one string value (a field of services.yaml). */
export function renderTextTemplate(template: string, context: Record<string, unknown>, opts: Omit<RenderOptions, 'mode'>): string {
  return renderTemplate(template, context, { ...opts, mode: 'text' });
}
