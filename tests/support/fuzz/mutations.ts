import fc from 'fast-check';
import { flatten, valid, type KnownIds, type Schema } from './schema-arbitrary.ts';

/** Strings the fuzzer found to break things, and their neighbours. */
export const hostileStrings = fc.constantFrom(
  'a\u0000b',
  '\u0000',
  'x\ud800y',
  '\udc00',
  '\ufeffLamp',
  'La\ufeffmp',
  '   ',
  ' Lamp',
  'Lamp ',
  '',
  'é'.normalize('NFD'),
  '😀'.repeat(3),
  'x'.repeat(300),
  '<script>',
  "' or 1=1 --",
  '%00',
  '1e2',
  ' 5',
  '0x10',
  '0b11',
  'null',
  'true',
);

const hostileValues: fc.Arbitrary<unknown> = fc.oneof(
  hostileStrings,
  fc.constantFrom(1.5, -1, 0, 1e20, Number.MAX_SAFE_INTEGER + 2, -0, null, true, false, [], {}, ['a'], { nested: true }),
);

/**
 * Mostly what the schema accepts, now and then something it does not, at any depth: a hostile string or number,
 * another type, a missing required field, an unknown field.
 */
export function edgy(doc: Schema, schema: Schema, depth = 0, ids: KnownIds = () => []): fc.Arbitrary<unknown> {
  const s = flatten(doc, schema);
  const properties = s.properties as Record<string, Schema> | undefined;
  if (!properties || depth > 4) return fc.oneof({ weight: 3, arbitrary: valid(doc, schema, depth, ids) }, { weight: 1, arbitrary: hostileValues });
  const required = (s.required as string[] | undefined) ?? [];
  const fields = fc.record(Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, edgy(doc, value, depth + 1, ids)])), {
    requiredKeys: required.filter((k) => k in properties),
  });
  const object = fc
    .tuple(
      fields,
      fc.option(fc.constantFrom(...Object.keys(properties)), { freq: 6 }),
      fc.option(fc.tuple(fc.constantFrom('extra', 'Name', 'na\u0000me', '__proto__'), hostileValues), { freq: 6 }),
    )
    .map(([value, drop, extra]) => {
      const copy: Record<string, unknown> = { ...value };
      if (drop !== null) delete copy[drop];
      if (extra !== null) Object.defineProperty(copy, extra[0], { value: extra[1], enumerable: true, configurable: true, writable: true });
      return copy;
    });
  return fc.oneof({ weight: 8, arbitrary: object }, { weight: 1, arbitrary: hostileValues });
}

/** A raw body that is not a JSON value the operation could read: broken JSON, bytes that are not UTF-8, nothing. */
export const brokenBodies = fc.constantFrom<{ body: Uint8Array; contentType: string }>(
  { body: new TextEncoder().encode('{"name": "a",'), contentType: 'application/json' },
  { body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), contentType: 'application/json' },
  { body: new Uint8Array(0), contentType: 'application/json' },
  { body: new TextEncoder().encode('name=a'), contentType: 'application/x-www-form-urlencoded' },
  { body: new TextEncoder().encode('{}'), contentType: 'text/plain' },
  { body: new TextEncoder().encode('{}'), contentType: 'application/json; charset=latin1' },
  { body: new TextEncoder().encode('\ufeff{}'), contentType: 'application/json' },
);
