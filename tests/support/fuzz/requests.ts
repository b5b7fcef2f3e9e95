import fc from 'fast-check';
import { brokenBodies, edgy, hostileStrings } from './mutations.ts';
import { valid, type KnownIds, type Schema } from './schema-arbitrary.ts';

export interface Operation {
  method: string;
  /** The templated path, e.g. `/catalog/v1/products/{id}`. */
  path: string;
  spec: Schema;
}

export interface FuzzRequest {
  method: string;
  /** Path and query, as sent. */
  target: string;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** The JSON value sent, when the body was one. */
  sent?: unknown;
  /** Whether every part was generated as the contract accepts it. */
  valid: boolean;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
}

/** Every operation of an OpenAPI document. */
export function operations(doc: Schema): Operation[] {
  return Object.entries(doc.paths as Record<string, Record<string, Schema>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, spec]) => ({ method: method.toUpperCase(), path, spec })),
  );
}

/** `encodeURIComponent`, except that an unpaired surrogate goes out as the bytes a lax encoder would send. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...value].map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
  }
}

const asText = (value: unknown) =>
  typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
const headerSafe = (value: string) => /^[\x20-\x7e]*$/.test(value) && value.trim() === value;

/** One part of a request: what the contract accepts, or (when `mutate`) sometimes not. */
function part(doc: Schema, schema: Schema, mutate: boolean, ids: KnownIds): fc.Arbitrary<unknown> {
  return mutate
    ? fc.oneof(
        { weight: 3, arbitrary: valid(doc, schema, 0, ids) },
        { weight: 1, arbitrary: edgy(doc, schema, 0, ids) },
        { weight: 1, arbitrary: hostileStrings },
      )
    : valid(doc, schema, 0, ids);
}

/**
 * Requests for `op`: whole valid ones (every parameter and body generated from the contract) and mutated ones
 * (hostile strings, other types, missing and unknown fields, broken bodies, repeated query parameters). Known ids
 * stand in for UUIDs often, so requests reach resources that exist; a few shared idempotency keys make replays,
 * reuses and conflicts happen.
 */
export function requestFor(doc: Schema, op: Operation, ids: KnownIds): fc.Arbitrary<FuzzRequest> {
  const parameters = (op.spec.parameters as Parameter[] | undefined) ?? [];
  const content = (op.spec.requestBody as Schema | undefined)?.content as Record<string, { schema: Schema }> | undefined;
  const formSchema = content?.['application/x-www-form-urlencoded']?.schema;
  const bodySchema = content?.['application/json']?.schema ?? formSchema;
  // A form body (RFC 6749 endpoints): the same values, each field as text, form-encoded.
  const encodeBody = (value: unknown): Uint8Array =>
    new TextEncoder().encode(
      formSchema
        ? typeof value === 'object' && value !== null && !Array.isArray(value)
          ? Object.entries(value)
              .map(([k, v]) => `${encode(k)}=${encode(asText(v))}`)
              .join('&')
          : encode(asText(value))
        : (JSON.stringify(value) ?? 'null'),
    );
  const bodyType = formSchema ? 'application/x-www-form-urlencoded' : 'application/json';
  return fc.boolean().chain((mutate) => {
    const values = fc.tuple(
      ...parameters.map((p) => {
        const value = part(doc, p.schema, mutate, ids);
        if (p.name === 'Idempotency-Key') return fc.option(fc.oneof(value, fc.constantFrom('"fuzz-shared"', 'fuzz-other')), { freq: 2 });
        return p.required ? (mutate ? fc.option(value, { freq: 12 }) : value) : fc.option(value, { freq: 2 });
      }),
    );
    const body: fc.Arbitrary<{ bytes?: Uint8Array; sent?: unknown; type?: string }> = bodySchema
      ? mutate
        ? fc.oneof(
            { weight: 5, arbitrary: edgy(doc, bodySchema, 0, ids).map((sent) => ({ sent, bytes: encodeBody(sent) })) },
            { weight: 1, arbitrary: brokenBodies.map((b) => ({ bytes: b.body, type: b.contentType })) },
          )
        : valid(doc, bodySchema, 0, ids).map((sent) => ({ sent, bytes: encodeBody(sent) }))
      : fc.constant({});
    return fc.tuple(values, body, fc.boolean()).map(([vals, b, repeat]) => {
      let target = op.path;
      const query: string[] = [];
      const headers: Record<string, string> = {};
      let fine = !mutate;
      parameters.forEach((p, i) => {
        const value = vals[i];
        if (value === null || value === undefined) return;
        const text = asText(value);
        // An empty segment would be another path (another operation, or none): send a non-empty wrong one instead.
        if (p.in === 'path') target = target.replace(`{${p.name}}`, encode(text === '' ? '-' : text));
        else if (p.in === 'query') query.push(`${encode(p.name)}=${encode(text)}`, ...(mutate && repeat ? [`${encode(p.name)}=${encode(text)}`] : []));
        else if (headerSafe(text)) headers[p.name] = text;
        else fine = false;
      });
      target = target.replace(/\{[^}]+\}/g, 'missing');
      if (b.bytes) headers['content-type'] = b.type ?? bodyType;
      return {
        method: op.method,
        target: query.length > 0 ? `${target}?${query.join('&')}` : target,
        headers,
        ...(b.bytes ? { body: b.bytes } : {}),
        ...('sent' in b ? { sent: b.sent } : {}),
        valid: fine,
      };
    });
  });
}
