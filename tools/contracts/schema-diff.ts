/**
 * Compares two JSON Schemas (OpenAPI 3.1 or AsyncAPI) and says which differences break whoever is on the other side.
 * Direction decides: an `input` (request) breaks when it accepts less than before; an `output` (response, event)
 * breaks when a reader can no longer rely on what it was promised (a field gone, maybe absent, of another type).
 */

export type Severity = 'breaking' | 'compatible';

/** Which side of the wire writes the value: the client (`input`) or the server or publisher (`output`). */
export type Direction = 'input' | 'output';

/** One difference, at a dotted field path (`price.currency`, `items[].id`; empty for the schema itself). */
export interface SchemaChange {
  severity: Severity;
  path: string;
  text: string;
}

/** A schema and the document its `$ref`s point into. */
export interface SchemaSide {
  schema: unknown;
  root: unknown;
}

type Json = Record<string, unknown>;

const lowerBounds = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;
const upperBounds = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;

/** Resolves a local `$ref` (`#/components/schemas/Money`) in `root`; undefined when it points nowhere. */
export function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  const segments = ref.slice(1).split('/').slice(1).map((s) => decodeURIComponent(s).replaceAll('~1', '/').replaceAll('~0', '~'));
  let node: unknown = root;
  for (const segment of segments) node = isObject(node) ? node[segment] : undefined;
  return node;
}

/** Every breaking and compatible difference between `before` and `after`, read in `direction`. */
export function diffSchemas(before: SchemaSide, after: SchemaSide, direction: Direction): SchemaChange[] {
  const changes: SchemaChange[] = [];
  walk(before, after, { direction, path: '', seen: new Set(), report: (severity, path, text) => changes.push({ severity, path, text }) });
  return changes;
}

interface Walk {
  direction: Direction;
  path: string;
  /** Pairs of `$ref`s already being compared on this branch: recursive schemas stop there. */
  seen: Set<string>;
  report(severity: Severity, path: string, text: string): void;
}

interface Normalized {
  node: Json;
  types: Set<string> | undefined;
  refs: string[];
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Follows `$ref`s and folds `anyOf: [X, {type: null}]` (how a nullable reference is written) into X plus null. */
function normalize(side: SchemaSide, schema: unknown): Normalized {
  const refs: string[] = [];
  let node: unknown = schema;
  for (let hops = 0; isObject(node) && typeof node.$ref === 'string' && hops < 32; hops++) {
    refs.push(node.$ref);
    node = resolvePointer(side.root, node.$ref);
  }
  let json: Json = isObject(node) ? node : {};
  let nullable = json.nullable === true;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const members = json[key];
    if (!Array.isArray(members) || members.length !== 2) continue;
    const other = members.filter((m) => !(isObject(m) && m.type === 'null'));
    if (other.length !== 1) continue;
    const inner = normalize(side, other[0]);
    const { [key]: _union, ...rest } = json;
    json = { ...rest, ...inner.node };
    refs.push(...inner.refs);
    nullable = true;
  }
  let types: Set<string> | undefined;
  if (typeof json.type === 'string') types = new Set([json.type]);
  else if (Array.isArray(json.type)) types = new Set(json.type.map(String));
  else if (isObject(json.properties)) types = new Set(['object']);
  else if (json.items !== undefined) types = new Set(['array']);
  if (types && nullable) types.add('null');
  return { node: json, types, refs };
}

const covers = (set: Set<string>, type: string) => set.has(type) || (type === 'integer' && set.has('number'));
const subset = (a: Set<string>, b: Set<string>) => [...a].every((t) => covers(b, t));
const typeText = (set: Set<string> | undefined) => (set ? [...set].sort().join('|') : 'any');
const join = (path: string, name: string) => (path ? `${path}.${name}` : name);
const show = (value: unknown) => JSON.stringify(value);

function walk(beforeSide: SchemaSide, afterSide: SchemaSide, w: Walk, before: unknown = beforeSide.schema, after: unknown = afterSide.schema): void {
  const b = normalize(beforeSide, before);
  const a = normalize(afterSide, after);
  const pair = `${b.refs.join(',')}|${a.refs.join(',')}`;
  if (pair !== '|' && w.seen.has(pair)) return;
  const seen = pair === '|' ? w.seen : new Set([...w.seen, pair]);
  const input = w.direction === 'input';
  const say = (inputSeverity: Severity, outputSeverity: Severity, text: string, path = w.path) => w.report(input ? inputSeverity : outputSeverity, path, text);

  if (!compareTypes(b.types, a.types, say)) return;
  compareEnums(b.node, a.node, say);
  compareConstraints(b.node, a.node, say);

  const child = (path: string, x: unknown, y: unknown) => walk(beforeSide, afterSide, { ...w, path, seen }, x, y);
  if (isObject(b.node.properties) || isObject(a.node.properties)) {
    compareProperties(b.node, a.node, w, say, child);
  }
  if (isObject(b.node.items) && isObject(a.node.items)) child(`${w.path}[]`, b.node.items, a.node.items);
  const extraB = b.node.additionalProperties;
  const extraA = a.node.additionalProperties;
  if (isObject(extraB) && isObject(extraA)) child(join(w.path, '*'), extraB, extraA);
  else if (input && extraB !== false && extraA === false) say('breaking', 'compatible', 'now rejects fields it does not declare');
  else if (input && extraB === false && extraA !== false) say('compatible', 'compatible', 'now accepts fields it does not declare');

  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const xs = b.node[key];
    const ys = a.node[key];
    if (Array.isArray(xs) && Array.isArray(ys) && xs.length === ys.length) xs.forEach((x, i) => child(w.path, x, ys[i]));
    else if (show(xs) !== show(ys)) say('breaking', 'breaking', `${key} changed in a way this check cannot classify; review it`);
  }
}

type Say = (inputSeverity: Severity, outputSeverity: Severity, text: string, path?: string) => void;

/** False when the types differ so much that comparing their members would only add noise. */
function compareTypes(b: Set<string> | undefined, a: Set<string> | undefined, say: Say): boolean {
  if ((!b && !a) || (b && a && subset(b, a) && subset(a, b))) return true;
  if (!a || (b && subset(b, a))) {
    say('compatible', 'breaking', `type widened from ${typeText(b)} to ${typeText(a)}`);
    return true;
  }
  if (!b || subset(a, b)) {
    say('breaking', 'compatible', `type narrowed from ${typeText(b)} to ${typeText(a)}`);
    return true;
  }
  say('breaking', 'breaking', `type changed from ${typeText(b)} to ${typeText(a)}`);
  return false;
}

function enumOf(node: Json): unknown[] | undefined {
  if (Array.isArray(node.enum)) return node.enum;
  return 'const' in node ? [node.const] : undefined;
}

function compareEnums(b: Json, a: Json, say: Say): void {
  const before = enumOf(b);
  const after = enumOf(a);
  if (before && after) {
    const had = new Set(before.map(show));
    const has = new Set(after.map(show));
    for (const value of had) if (!has.has(value)) say('breaking', 'compatible', `enum value ${value} removed`);
    for (const value of has) if (!had.has(value)) say('compatible', 'compatible', `enum value ${value} added`);
  } else if (after) say('breaking', 'compatible', `now restricted to ${after.map(show).join(', ')}`);
  else if (before) say('compatible', 'compatible', `no longer restricted to ${before.map(show).join(', ')}`);
}

function compareConstraints(b: Json, a: Json, say: Say): void {
  const bound = (key: string, stricter: (x: number, y: number) => boolean) => {
    const x = typeof b[key] === 'number' ? b[key] : undefined;
    const y = typeof a[key] === 'number' ? a[key] : undefined;
    if (x === y) return;
    if (y === undefined) return say('compatible', 'compatible', `${key} ${x} removed`);
    if (x === undefined) return say('breaking', 'compatible', `${key} ${y} added`);
    say(stricter(x, y) ? 'breaking' : 'compatible', 'compatible', `${key} ${y > x ? 'raised' : 'lowered'} from ${x} to ${y}`);
  };
  for (const key of lowerBounds) bound(key, (x, y) => y > x);
  for (const key of upperBounds) bound(key, (x, y) => y < x);
  for (const key of ['pattern', 'format', 'multipleOf'] as const) {
    const x = b[key];
    const y = a[key];
    if (show(x) === show(y)) continue;
    if (y === undefined) say('compatible', 'compatible', `${key} ${show(x)} removed`);
    else if (x === undefined) say('breaking', 'compatible', `${key} ${show(y)} added`);
    else say('breaking', 'compatible', `${key} changed from ${show(x)} to ${show(y)}`);
  }
}

function compareProperties(b: Json, a: Json, w: Walk, say: Say, child: (path: string, x: unknown, y: unknown) => void): void {
  const props = (node: Json) => (isObject(node.properties) ? node.properties : {});
  const required = (node: Json) => new Set(Array.isArray(node.required) ? node.required.map(String) : []);
  const [pb, pa, rb, ra] = [props(b), props(a), required(b), required(a)];
  for (const name of new Set([...Object.keys(pb), ...Object.keys(pa)])) {
    const path = join(w.path, name);
    if (!(name in pa)) {
      if (w.direction === 'output') say('breaking', 'breaking', 'removed', path);
      else if (a.additionalProperties === false) say('breaking', 'breaking', 'removed: sending it is now rejected', path);
      else say('compatible', 'compatible', 'removed (ignored if sent)', path);
    } else if (!(name in pb)) {
      if (w.direction === 'output') say('compatible', 'compatible', 'added', path);
      else say(ra.has(name) ? 'breaking' : 'compatible', 'compatible', ra.has(name) ? 'added (required)' : 'added (optional)', path);
    } else {
      child(path, pb[name], pa[name]);
      if (!rb.has(name) && ra.has(name)) say('breaking', 'compatible', w.direction === 'input' ? 'now required' : 'now always present', path);
      if (rb.has(name) && !ra.has(name)) say('compatible', 'breaking', w.direction === 'input' ? 'no longer required' : 'may now be absent', path);
    }
  }
}
