import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';

/** A JSON value of the description (OpenAPI 3.0.3, as published in `@octokit/openapi`). */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** One operation of the description: an HTTP method on a path template. */
export interface ApiOperation {
  /** Upper case, e.g. `POST`. */
  readonly method: string;
  /** The description's path template, e.g. `/repos/{owner}/{repo}/issues/{issue_number}/comments`. */
  readonly template: string;
  /** `METHOD template`, the key fault rules and handlers use. */
  readonly route: string;
  readonly operationId: string;
  /** The operation's page on docs.github.com (what GitHub puts in `documentation_url` of its errors). */
  readonly docsUrl: string;
}

/** Why a request or a response does not conform, in the shape of the items of GitHub's 422 `errors`. */
export interface Problem {
  readonly field: string;
  /** GitHub's codes: `missing_field` for an absent required value, `invalid` for a malformed one. */
  readonly code: 'missing_field' | 'invalid';
  readonly message: string;
}

/** A request matched to an operation, with its path parameters still as strings (percent-decoded). */
export interface RouteMatch {
  readonly op: ApiOperation;
  readonly pathParams: Readonly<Record<string, string>>;
}

/** The body of a request as the description sees it: checked, parsed, or refused with a status. */
export type BodyCheck =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly status: 400 | 415 | 422; readonly message: string; readonly problems: readonly Problem[] };

interface Segment {
  /** 0: literal, 1: literal text around parameters, 2: a whole-segment parameter (ranks literal segments first). */
  readonly rank: 0 | 1 | 2;
  readonly literal?: string;
  readonly names?: readonly string[];
  readonly pattern?: RegExp;
}

interface IndexedOperation extends ApiOperation {
  readonly segments: readonly Segment[];
  /** JSON pointer parts of the operation object. */
  readonly at: readonly string[];
}

interface ResolvedParameter {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly schema: JsonObject;
  /** Where the parameter's schema is, for a `$ref` ajv can follow. */
  readonly schemaAt: readonly string[];
}

const DESCRIPTION_ID = 'github-rest-description';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Error statuses GitHub answers on any endpoint, listed or not, with the description's shared error schemas. */
const GITHUB_WIDE_ERRORS: Readonly<Record<number, string>> = {
  400: 'basic-error', // unparsable JSON, unsupported API version
  401: 'basic-error', // bad credentials: most operations do not list it
  403: 'basic-error', // rate limits, missing permission
  404: 'basic-error', // unknown resource: GitHub answers 404 for hidden and absent things alike
  415: 'basic-error',
  422: 'validation-error',
};

const escapePart = (p: string): string => p.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapePart = (p: string): string => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~');
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseSegment(s: string): Segment {
  const whole = /^\{([^{}]+)\}$/.exec(s);
  if (whole) return { rank: 2, names: [whole[1]!] };
  if (!s.includes('{')) return { rank: 0, literal: s };
  // e.g. `{base}...{head}` in the compare endpoint: literal text between parameters.
  const names: string[] = [];
  const source = s.replace(/\{([^{}]+)\}|[^{]+/g, (m, name?: string) => {
    if (name === undefined) return m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    names.push(name);
    return '(.+?)';
  });
  return { rank: 1, names, pattern: new RegExp(`^${source}$`) };
}

/** Captures of `segment` in `part`, or null when it does not match. */
function matchSegment(segment: Segment, part: string): string[] | null {
  if (segment.rank === 0) return segment.literal === part ? [] : null;
  if (segment.rank === 2) return part === '' ? null : [part];
  const m = segment.pattern!.exec(part);
  return m ? m.slice(1) : null;
}

function decodeParam(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** Query/path strings become what the schema asks for (GitHub reads `per_page=5` as 5, `true` as true). */
function coerce(value: string | string[], schema: JsonObject): unknown {
  const type = schema.type;
  if (type === 'array') {
    const items = isObject(schema.items) ? schema.items : {};
    const list = Array.isArray(value) ? value : value.split(',');
    return list.map((v) => coerce(v, items));
  }
  const v = Array.isArray(value) ? value[value.length - 1]! : value;
  if (type === 'integer' && /^[+-]?\d+$/.test(v)) return Number(v);
  if (type === 'number' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) return Number(v);
  if (type === 'boolean' && (v === 'true' || v === 'false')) return v === 'true';
  return v;
}

function toProblems(errors: readonly ErrorObject[] | null | undefined, root: string): Problem[] {
  return (errors ?? []).slice(0, 10).map((e) => {
    const at = e.instancePath.split('/').slice(1).map(unescapePart);
    if (e.keyword === 'required') {
      const field = [...at, String((e.params as { missingProperty: string }).missingProperty)].join('.');
      return { field, code: 'missing_field', message: `"${field}" wasn't supplied.` };
    }
    const field = at.length > 0 ? at.join('.') : root;
    return { field, code: 'invalid', message: `${field} ${e.message ?? 'is invalid'}` };
  });
}

/**
 * GitHub's REST API description, loaded once per process, with ajv validators compiled on first use. The whole
 * document is registered in ajv under one id, so a validator is just `{ $ref: '<id>#/<pointer>' }` and every
 * `$ref: '#/components/...'` inside resolves against the same document.
 */
export class Description {
  readonly doc: JsonObject;
  private readonly ajv: Ajv;
  private readonly byShape = new Map<string, IndexedOperation[]>();
  private readonly byRoute = new Map<string, IndexedOperation>();
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly parameterCache = new Map<string, { params: ResolvedParameter[]; validate: ValidateFunction }>();
  /** Schema objects already brought from OpenAPI 3.0 to what ajv accepts (see `prepare`). */
  private readonly prepared = new WeakSet<object>();

  constructor(doc: JsonObject) {
    this.doc = doc;
    // strict: false because OpenAPI adds keywords (example, discriminator, xml, x-*) and formats (repo.nwo,
    // timestamp) JSON Schema does not know; ajv would otherwise refuse them. Its warnings about them are noise.
    this.ajv = new Ajv({ strict: false, allErrors: true, logger: false });
    addFormatsPlugin.default(this.ajv);
    // ajv walks every key of a schema it is given to collect `$id`s (13 MB here, ~250 ms). The description has
    // none, so paths and components are handed over as non-enumerable properties: the walk sees an empty object,
    // while JSON pointers (`#/components/schemas/x`) still find them.
    const root = {};
    for (const key of ['paths', 'components']) Object.defineProperty(root, key, { value: doc[key], enumerable: false });
    this.ajv.addSchema(root, DESCRIPTION_ID, undefined, false);
    this.index();
  }

  private index(): void {
    const paths = this.doc.paths as JsonObject;
    for (const [template, item] of Object.entries(paths)) {
      if (!isObject(item)) continue;
      const segments = template.split('/').slice(1).map(parseSegment);
      for (const method of METHODS) {
        const node = item[method];
        if (!isObject(node)) continue;
        const docs = isObject(node.externalDocs) && typeof node.externalDocs.url === 'string' ? node.externalDocs.url : 'https://docs.github.com/rest';
        const op: IndexedOperation = {
          method: method.toUpperCase(),
          template,
          route: `${method.toUpperCase()} ${template}`,
          operationId: String(node.operationId),
          docsUrl: docs,
          segments,
          at: ['paths', template, method],
        };
        const shape = `${op.method} ${segments.length}`;
        this.byShape.set(shape, [...(this.byShape.get(shape) ?? []), op]);
        this.byRoute.set(op.route, op);
      }
    }
  }

  /** The operation for `route` (`METHOD template`), if the description has it. */
  operation(route: string): ApiOperation | undefined {
    return this.byRoute.get(route);
  }

  /**
   * The operation a request path belongs to. Templates are compared segment by segment; where several match,
   * the one with a literal segment where the others have a parameter wins (GitHub's router does the same:
   * `/repos/{owner}/{repo}/issues/comments/{comment_id}` over `/repos/{owner}/{repo}/issues/{issue_number}/...`).
   */
  match(method: string, pathname: string): RouteMatch | null {
    const parts = pathname.split('/').slice(1);
    let best: { op: IndexedOperation; captures: string[] } | null = null;
    for (const op of this.byShape.get(`${method.toUpperCase()} ${parts.length}`) ?? []) {
      const captures: string[] = [];
      const ok = op.segments.every((s, i) => {
        const m = matchSegment(s, parts[i]!);
        if (m) captures.push(...m);
        return m !== null;
      });
      if (ok && (!best || this.outranks(op, best.op))) best = { op, captures };
    }
    if (!best) return null;
    const names = best.op.segments.flatMap((s) => s.names ?? []);
    const pathParams: Record<string, string> = {};
    for (const [i, name] of names.entries()) {
      const value = decodeParam(best.captures[i]!);
      if (value === null) return null;
      pathParams[name] = value;
    }
    return { op: best.op, pathParams };
  }

  private outranks(a: IndexedOperation, b: IndexedOperation): boolean {
    for (const [i, s] of a.segments.entries()) {
      const other = b.segments[i]!.rank;
      if (s.rank !== other) return s.rank < other;
    }
    return false;
  }

  /**
   * Checks the path and query parameters of a request against the operation's parameter schemas and returns
   * them coerced, defaults filled in. Query parameters the operation does not list are ignored, as GitHub does.
   */
  checkParameters(route: string, pathParams: Readonly<Record<string, string>>, query: URLSearchParams): { values: Record<string, unknown>; problems: Problem[] } {
    const { params, validate } = this.parametersOf(route);
    const values: Record<string, unknown> = {};
    const problems: Problem[] = [];
    for (const p of params) {
      const raw = p.in === 'path' ? pathParams[p.name] : this.queryValue(query, p);
      if (raw === undefined) {
        if (p.required) problems.push({ field: p.name, code: 'missing_field', message: `"${p.name}" wasn't supplied.` });
        else if (p.schema.default !== undefined) values[p.name] = p.schema.default;
        continue;
      }
      values[p.name] = coerce(raw, p.schema);
    }
    if (!validate(values)) problems.push(...toProblems(validate.errors, 'parameters'));
    return { values, problems };
  }

  private queryValue(query: URLSearchParams, p: ResolvedParameter): string | string[] | undefined {
    const all = [...query.getAll(p.name), ...query.getAll(`${p.name}[]`)];
    if (all.length === 0) return undefined;
    return p.schema.type === 'array' ? all : all[all.length - 1];
  }

  private parametersOf(route: string): { params: ResolvedParameter[]; validate: ValidateFunction } {
    const cached = this.parameterCache.get(route);
    if (cached) return cached;
    const op = this.byRoute.get(route)!;
    // Path-level parameters apply to every method; the operation's own override them by name and location.
    const listed = new Map<string, ResolvedParameter>();
    for (const at of [op.at.slice(0, 2), op.at]) {
      const list = this.at(at).parameters;
      if (!Array.isArray(list)) continue;
      for (const i of list.keys()) {
        const { node, parts } = this.resolve([...at, 'parameters', String(i)]);
        if (!isObject(node) || (node.in !== 'path' && node.in !== 'query')) continue; // header/cookie: not checked
        const schemaAt = [...parts, 'schema'];
        const schema = this.resolve(schemaAt);
        listed.set(`${node.in}:${String(node.name)}`, {
          name: String(node.name),
          in: node.in,
          required: node.required === true || node.in === 'path',
          schema: isObject(schema.node) ? schema.node : {},
          schemaAt,
        });
      }
    }
    const params = [...listed.values()];
    const properties: Record<string, unknown> = {};
    for (const p of params) properties[p.name] = { $ref: this.refTo(p.schemaAt) };
    const entry = { params, validate: this.compile(`params ${route}`, { type: 'object', properties }, params.map((p) => p.schemaAt)) };
    this.parameterCache.set(route, entry);
    return entry;
  }

  /**
   * Checks a request body: its content type must be one the operation lists, JSON must parse and validate against
   * the operation's requestBody schema; a body the description marks required must be there.
   */
  checkBody(route: string, contentType: string | undefined, raw: Buffer): BodyCheck {
    const op = this.byRoute.get(route)!;
    const { node: requestBody, parts } = this.resolve([...op.at, 'requestBody']);
    if (!isObject(requestBody) || !isObject(requestBody.content)) return { ok: true, body: undefined }; // GitHub ignores a body nobody asked for
    if (raw.length === 0) {
      if (requestBody.required !== true) return { ok: true, body: undefined };
      return { ok: false, status: 422, message: 'Invalid request.', problems: [{ field: 'body', code: 'missing_field', message: 'A request body is required.' }] };
    }
    const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
    if (!(media in requestBody.content)) {
      const expected = Object.keys(requestBody.content).join(', ');
      return { ok: false, status: 415, message: `Unsupported 'Content-Type' header: '${media}'. Expected ${expected}.`, problems: [] };
    }
    if (media !== 'application/json' && !media.endsWith('+json')) return { ok: true, body: raw }; // uploads and the like: not ours to parse
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return { ok: false, status: 400, message: 'Problems parsing JSON', problems: [] };
    }
    const schemaAt = [...parts, 'content', media, 'schema'];
    const validate = this.validatorAt(schemaAt);
    if (validate(body)) return { ok: true, body };
    return { ok: false, status: 422, message: 'Invalid request.', problems: toProblems(validate.errors, 'body') };
  }

  /**
   * Checks a response the server is about to send: the status must be one the operation lists (or an error GitHub
   * answers on any endpoint) and a JSON body must validate against that response's schema. Returns what is wrong.
   */
  checkResponse(route: string, status: number, body: unknown): string[] {
    const op = this.byRoute.get(route)!;
    const responses = this.at([...op.at, 'responses']);
    let schemaAt: string[] | null;
    if (String(status) in responses) {
      const { node, parts } = this.resolve([...op.at, 'responses', String(status)]);
      const content = isObject(node) && isObject(node.content) ? node.content : null;
      schemaAt = content && 'application/json' in content ? [...parts, 'content', 'application/json', 'schema'] : null;
      if (schemaAt === null) return body === undefined ? [] : [`${status} has no body in the description, but one was sent`];
    } else if (status in GITHUB_WIDE_ERRORS) {
      schemaAt = ['components', 'schemas', GITHUB_WIDE_ERRORS[status]!];
    } else {
      return [`status ${status} is not a response the description lists (${Object.keys(responses).join(', ')})`];
    }
    const validate = this.validatorAt(schemaAt);
    if (validate(body)) return [];
    return toProblems(validate.errors, 'body').map((p) => `${status} body: ${p.message}`);
  }

  /** A deep copy of the description's example for a response of the operation (`default`, else the first one). */
  example(route: string, status: number): unknown {
    const op = this.byRoute.get(route)!;
    const { node, parts } = this.resolve([...op.at, 'responses', String(status)]);
    if (!isObject(node) || !isObject(node.content) || !isObject(node.content['application/json'])) return undefined;
    const examples = node.content['application/json'].examples;
    if (!isObject(examples)) return undefined;
    const name = 'default' in examples ? 'default' : Object.keys(examples)[0];
    if (name === undefined) return undefined;
    const example = this.resolve([...parts, 'content', 'application/json', 'examples', name]).node;
    return isObject(example) ? structuredClone(example.value) : undefined;
  }

  /** A validator for any schema of the description, by JSON pointer parts (e.g. `['components','schemas','x']`). */
  validatorAt(parts: readonly string[]): ValidateFunction {
    const ref = this.refTo(parts);
    return this.validators.get(ref) ?? this.compile(ref, { $ref: ref }, [parts]);
  }

  private compile(key: string, schema: object, reachable: readonly (readonly string[])[]): ValidateFunction {
    for (const parts of reachable) this.prepare(this.at(parts));
    const validate = this.ajv.compile(schema);
    this.validators.set(key, validate);
    return validate;
  }

  private refTo(parts: readonly string[]): string {
    return `${DESCRIPTION_ID}#/${parts.map((p) => encodeURIComponent(escapePart(p))).join('/')}`;
  }

  private at(parts: readonly string[]): JsonObject {
    let node: Json = this.doc;
    for (const p of parts) node = isObject(node) ? (node[p] ?? null) : Array.isArray(node) ? (node[Number(p)] ?? null) : null;
    return isObject(node) ? node : {};
  }

  /** Follows `$ref`s from a location to the object they point at, and says where that is. */
  private resolve(start: readonly string[]): { node: JsonObject; parts: string[] } {
    let parts = [...start];
    let node = this.at(parts);
    for (let hops = 0; typeof node.$ref === 'string' && node.$ref.startsWith('#/') && hops < 20; hops++) {
      parts = node.$ref.slice(2).split('/').map(unescapePart);
      node = this.at(parts);
    }
    return { node, parts };
  }

  /**
   * Brings the schemas reachable from `root` from OpenAPI 3.0 to what ajv accepts, once, in place, before ajv
   * first compiles them. OpenAPI's `nullable: true` next to no `type` (135 places, e.g. a nullable `allOf`) means
   * "or null", but ajv refuses `nullable` without `type`: such a schema becomes `anyOf: [schema, {type: null}]`.
   * A nullable `enum` gets null among its values, which OpenAPI 3.0 implies and JSON Schema does not.
   */
  private prepare(root: Json): void {
    const stack: Json[] = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (typeof node !== 'object' || node === null || this.prepared.has(node)) continue;
      this.prepared.add(node);
      if (Array.isArray(node)) {
        stack.push(...node);
        continue;
      }
      toJsonSchemaNullable(node);
      if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) stack.push(this.at(node.$ref.slice(2).split('/').map(unescapePart)));
      for (const [key, value] of Object.entries(node)) if (key !== 'example' && key !== 'examples') stack.push(value);
    }
  }
}

/** OpenAPI 3.0's `nullable` in terms ajv accepts, in place (see `Description.prepare`). */
function toJsonSchemaNullable(node: JsonObject): void {
  if (node.nullable !== true) return;
  if (node.type === undefined) {
    const inner: JsonObject = { ...node };
    delete inner.nullable;
    for (const key of Object.keys(node)) delete node[key];
    node.anyOf = [inner, { type: 'null' }];
  } else if (Array.isArray(node.enum) && !node.enum.includes(null)) {
    node.enum = [...node.enum, null];
  }
}

let loaded: Description | undefined;

/** The description, parsed once per process (13 MB of JSON: ~0.2 s), shared by every server of the process. */
export function loadDescription(): Description {
  if (!loaded) {
    const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
    loaded = new Description(JSON.parse(readFileSync(file, 'utf8')) as JsonObject);
  }
  return loaded;
}
