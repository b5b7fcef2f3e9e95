import type { ClassifyOptions, Finding } from './classify.ts';
import { diffSchemas, resolvePointer, type Direction, type Severity } from './schema-diff.ts';

type Json = Record<string, unknown>;

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface Operation {
  method: string;
  path: string;
  op: Json;
  pathItem: Json;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const deref = (root: unknown, value: unknown): Json => {
  const target = isObject(value) && typeof value.$ref === 'string' ? resolvePointer(root, value.$ref) : value;
  return isObject(target) ? target : {};
};
const entries = (value: unknown): [string, unknown][] => (isObject(value) ? Object.entries(value) : []);
/** Path parameters are matched by position, so renaming `{id}` to `{productId}` is the same operation. */
const shape = (path: string) => path.replaceAll(/\{[^}]*\}/g, '{}');

function operations(doc: unknown, include: (path: string) => boolean): Map<string, Operation> {
  const found = new Map<string, Operation>();
  for (const [path, item] of entries(isObject(doc) ? doc.paths : undefined)) {
    if (!include(path)) continue;
    const pathItem = deref(doc, item);
    for (const method of methods) {
      if (isObject(pathItem[method])) found.set(`${method} ${shape(path)}`, { method, path, op: pathItem[method], pathItem });
    }
  }
  return found;
}

/** `/catalog/v2/products/{}` → prefix `catalog`, version 2, rest `/products/{}`. */
function versioned(path: string): { prefix: string; version: number; rest: string } | undefined {
  const match = /^\/([^/]+)\/v(\d+)(\/.*)?$/.exec(shape(path));
  return match ? { prefix: match[1] as string, version: Number(match[2]), rest: match[3] ?? '' } : undefined;
}

/** The same operation at another version prefix, in `ops`, with a version `which` of `version`. */
function otherVersion(ops: Map<string, Operation>, target: Operation, which: (other: number, mine: number) => boolean): Operation | undefined {
  const mine = versioned(target.path);
  if (!mine) return undefined;
  return [...ops.values()].find((o) => {
    const v = versioned(o.path);
    return o.method === target.method && v?.prefix === mine.prefix && v.rest === mine.rest && which(v.version, mine.version);
  });
}

/** Every difference between two OpenAPI documents' operations, each classified (see classify.ts). */
export function classifyOpenApi(module: string, before: unknown, after: unknown, options: ClassifyOptions = {}): Finding[] {
  const include = options.include ?? (() => true);
  const now = options.now ?? new Date();
  const [b, a] = [operations(before, include), operations(after, include)];
  const findings: Finding[] = [];
  for (const key of new Set([...b.keys(), ...a.keys()])) {
    const was = b.get(key);
    const is = a.get(key);
    const at = (is ?? was) as Operation;
    const report = (severity: Severity, message: string) => findings.push({ severity, module, subject: `${at.method.toUpperCase()} ${at.path}`, message });
    if (was && !is) {
      const sunset = was.op['x-sunset'];
      const newer = otherVersion(a, was, (other, mine) => other > mine);
      if (typeof sunset === 'string' && Date.parse(sunset) <= now.getTime()) report('compatible', `operation removed after its sunset date ${sunset}`);
      else if (newer) report('breaking', `operation removed; ${newer.path} is its new version, but this one must stay beside it until deprecated and past its sunset date`);
      else report('breaking', typeof sunset === 'string' ? `operation removed before its sunset date ${sunset}` : 'operation removed');
    } else if (is && !was) {
      const older = otherVersion(b, is, (other, mine) => other < mine);
      report('compatible', older ? `new version of ${older.method.toUpperCase()} ${older.path}` : 'new operation');
    } else if (was && is) {
      compareOperation(was, is, before, after, report);
    }
  }
  return findings;
}

type Report = (severity: Severity, message: string) => void;

function compareOperation(was: Operation, is: Operation, before: unknown, after: unknown, report: Report): void {
  if (was.op.deprecated !== true && is.op.deprecated === true) {
    report('compatible', `deprecated${typeof is.op['x-sunset'] === 'string' ? `, sunset ${is.op['x-sunset']}` : ''}`);
  }
  if (was.op.deprecated === true && is.op.deprecated !== true) report('compatible', 'no longer deprecated');
  compareAccess(accessOf(was.op), accessOf(is.op), report);
  const schemas = (x: unknown, y: unknown, direction: Direction, label: (path: string) => string) => {
    for (const change of diffSchemas({ schema: x, root: before }, { schema: y, root: after }, direction)) report(change.severity, `${label(change.path)} ${change.text}`);
  };
  compareParameters(was, is, before, after, report, schemas);
  compareBody(deref(before, was.op.requestBody), deref(after, is.op.requestBody), report, schemas);
  compareResponses(was, is, before, after, report, schemas);
}

type Schemas = (x: unknown, y: unknown, direction: Direction, label: (path: string) => string) => void;

interface DeclaredAccess {
  scopes: string[];
  modules: string[];
}

/** The access an operation declares (`x-cleave-access`), `undefined` when it is public. */
function accessOf(op: Json): DeclaredAccess | undefined {
  const declared = op['x-cleave-access'] as { scopes?: unknown; modules?: unknown } | undefined;
  if (!declared) return undefined;
  const list = (x: unknown) => (Array.isArray(x) ? x.map(String) : []);
  return { scopes: list(declared.scopes), modules: list(declared.modules) };
}

const moduleLabel = (m: string) => (m === '*' ? 'any module' : m);

/**
 * Who may call: narrowing it breaks callers that could (a public operation that now needs a token, a scope more to
 * hold, a calling module no longer admitted, users no longer admitted at all); widening it breaks nobody.
 */
function compareAccess(was: DeclaredAccess | undefined, is: DeclaredAccess | undefined, report: Report): void {
  if (!was && !is) return;
  if (!was && is) return report('breaking', `now needs an access token${is.scopes.length > 0 ? ` with ${is.scopes.join(' ')}` : ''} (was public)`);
  if (was && !is) return report('compatible', 'now public');
  const [b, a] = [was as DeclaredAccess, is as DeclaredAccess];
  const addedScopes = a.scopes.filter((s) => !b.scopes.includes(s));
  const removedScopes = b.scopes.filter((s) => !a.scopes.includes(s));
  // '*' admits every module: a module stays admitted when the new access names it or admits all.
  const admits = (x: DeclaredAccess, m: string) => x.modules.includes(m) || x.modules.includes('*');
  const removedModules = b.modules.filter((m) => !admits(a, m)).map(moduleLabel);
  // An access naming neither scopes nor modules already admitted every caller, modules included.
  const admittedAll = b.scopes.length === 0 && b.modules.length === 0;
  const addedModules = admittedAll ? [] : a.modules.filter((m) => !admits(b, m)).map(moduleLabel);
  if (addedScopes.length > 0) report('breaking', `now needs the scope ${addedScopes.join(' ')}`);
  if (removedModules.length > 0) report('breaking', `no longer admits calls from ${removedModules.join(', ')}`);
  const usersShutOut = a.scopes.length === 0 && a.modules.length > 0 && !(b.scopes.length === 0 && b.modules.length > 0);
  if (usersShutOut) report('breaking', `now admits only ${a.modules.includes('*') ? 'modules' : `the modules ${a.modules.join(', ')}`}`);
  else if (removedScopes.length > 0) report('compatible', `no longer needs the scope ${removedScopes.join(' ')}`);
  if (addedModules.length > 0) report('compatible', `now admits calls from ${addedModules.join(', ')}`);
}

function parameters(o: Operation, root: unknown): Map<string, Json> {
  const slots = [...o.path.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
  const found = new Map<string, Json>();
  for (const raw of [...(Array.isArray(o.pathItem.parameters) ? o.pathItem.parameters : []), ...(Array.isArray(o.op.parameters) ? o.op.parameters : [])]) {
    const p = deref(root, raw);
    const name = String(p.name);
    const key = p.in === 'path' ? `path:#${slots.indexOf(name)}` : `${String(p.in)}:${p.in === 'header' ? name.toLowerCase() : name}`;
    found.set(key, p);
  }
  return found;
}

function compareParameters(was: Operation, is: Operation, before: unknown, after: unknown, report: Report, schemas: Schemas): void {
  const [b, a] = [parameters(was, before), parameters(is, after)];
  for (const key of new Set([...b.keys(), ...a.keys()])) {
    const pb = b.get(key);
    const pa = a.get(key);
    const p = (pa ?? pb) as Json;
    const label = `${String(p.in)} parameter "${String(p.name)}"`;
    if (!pa) report('compatible', `${label} removed (ignored if sent)`);
    else if (!pb) report(pa.required === true ? 'breaking' : 'compatible', `${label} added (${pa.required === true ? 'required' : 'optional'})`);
    else {
      if (pb.required !== true && pa.required === true) report('breaking', `${label} now required`);
      if (pb.required === true && pa.required !== true) report('compatible', `${label} no longer required`);
      schemas(pb.schema, pa.schema, 'input', (path) => (path ? `${label} field "${path}"` : label));
    }
  }
}

function compareBody(b: Json, a: Json, report: Report, schemas: Schemas): void {
  const [had, has] = [Object.keys(b).length > 0, Object.keys(a).length > 0];
  if (!had && has) return report(a.required === true ? 'breaking' : 'compatible', `request body added (${a.required === true ? 'required' : 'optional'})`);
  if (had && !has) return report('compatible', 'request body removed (ignored if sent)');
  if (!had) return;
  if (b.required !== true && a.required === true) report('breaking', 'request body now required');
  if (b.required === true && a.required !== true) report('compatible', 'request body no longer required');
  const [cb, ca] = [isObject(b.content) ? b.content : {}, isObject(a.content) ? a.content : {}];
  for (const media of new Set([...Object.keys(cb), ...Object.keys(ca)])) {
    if (!(media in ca)) report('breaking', `request body media type "${media}" no longer accepted`);
    else if (!(media in cb)) report('compatible', `request body media type "${media}" now accepted`);
    else schemas(deref(null, cb[media]).schema, deref(null, ca[media]).schema, 'input', (path) => (path ? `request body field "${path}"` : 'request body'));
  }
}

const success = (status: string) => /^2/.test(status);

function compareResponses(was: Operation, is: Operation, before: unknown, after: unknown, report: Report, schemas: Schemas): void {
  const [rb, ra] = [isObject(was.op.responses) ? was.op.responses : {}, isObject(is.op.responses) ? is.op.responses : {}];
  const several = new Set([...Object.keys(rb), ...Object.keys(ra)].filter(success)).size > 1;
  for (const status of new Set([...Object.keys(rb), ...Object.keys(ra)])) {
    if (!(status in ra)) report(success(status) ? 'breaking' : 'compatible', `${success(status) ? 'success' : 'error'} status ${status} removed`);
    else if (!(status in rb)) report('compatible', `${success(status) ? 'success' : 'error'} status ${status} added`);
    // Error bodies are the platform's problem+json everywhere; what a client relies on is the success shape.
    if (!success(status) || !(status in ra) || !(status in rb)) continue;
    const [b, a] = [deref(before, rb[status]), deref(after, ra[status])];
    const prefix = several ? `response ${status}` : 'response';
    const headers = (r: Json, root: unknown) => new Map(entries(r.headers).map(([name, h]) => [name.toLowerCase(), { name, header: deref(root, h) }]));
    const [hb, ha] = [headers(b, before), headers(a, after)];
    for (const [name, h] of hb) {
      const now = ha.get(name);
      if (!now) report('breaking', `response ${status} header "${h.name}" removed`);
      else schemas(h.header.schema, now.header.schema, 'output', (path) => `response ${status} header "${h.name}"${path ? ` field "${path}"` : ''}`);
    }
    for (const [name, h] of ha) if (!hb.has(name)) report('compatible', `response ${status} header "${h.name}" added`);
    const [cb, ca] = [isObject(b.content) ? b.content : {}, isObject(a.content) ? a.content : {}];
    for (const media of new Set([...Object.keys(cb), ...Object.keys(ca)])) {
      if (!(media in ca)) report('breaking', `response ${status} media type "${media}" removed`);
      else if (!(media in cb)) report('compatible', `response ${status} media type "${media}" added`);
      else schemas(deref(null, cb[media]).schema, deref(null, ca[media]).schema, 'output', (path) => (path ? `${prefix} field "${path}"` : `${prefix} body`));
    }
  }
}
