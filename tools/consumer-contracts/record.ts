import { z } from 'zod';
import { joinFieldPath, parseFieldPath, type ConsumerContract } from '../../platform/contracts/consumer-contract.ts';
import { eventPayloadSchema, methodOf, routeInputSchema, routeSuccessSchema } from './route-schemas.ts';
import { shapeAt, type FieldShape, type JsonSchema } from './schema-shape.ts';

/** A field a consumer reads or sends, with its shape when the contract was recorded. */
export type FieldRecord = { path: string } & FieldShape;

export interface OperationRecord {
  operation: string;
  method: string;
  path: string;
  sends: FieldRecord[];
  reads: FieldRecord[];
}

export interface EventRecord {
  event: string;
  version: number;
  reads: FieldRecord[];
}

/**
 * A consumer contract as committed under `contracts/consumers/<consumer>--<provider>.json`: what the consumer
 * calls and consumes, and the shape of every field it relies on at the time it was recorded. Verified against the
 * provider's current contract by `verifyConsumerContract`.
 */
export interface ConsumerContractRecord {
  consumer: string;
  provider: string;
  operations: OperationRecord[];
  events: EventRecord[];
}

const fieldRecordSchema = z
  .object({
    path: z.string().min(1),
    type: z.array(z.string()).min(1),
    optional: z.literal(true).optional(),
    enum: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    format: z.string().optional(),
  })
  .strict();

const recordSchema = z
  .object({
    consumer: z.string().min(1),
    provider: z.string().min(1),
    operations: z.array(
      z.object({ operation: z.string(), method: z.string(), path: z.string(), sends: z.array(fieldRecordSchema), reads: z.array(fieldRecordSchema) }).strict(),
    ),
    events: z.array(z.object({ event: z.string(), version: z.number().int().positive(), reads: z.array(fieldRecordSchema) }).strict()),
  })
  .strict();

/** A committed consumer contract file that cannot be read or is not one: the command prints the message and exits 1. */
export class RecordFileError extends Error {
  override name = 'RecordFileError';
}

/** Reads a committed consumer contract; throws a one-line RecordFileError naming the file when it is not one. */
export function parseRecord(text: string, file: string): ConsumerContractRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RecordFileError(
      `${file} is not a consumer contract: not JSON (${error instanceof Error ? error.message : String(error)}); run npm run contracts:consumers after removing it`,
    );
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'the file'}: ${issue.message}`);
    throw new RecordFileError(`${file} is not a consumer contract: ${issues.join('; ')}`);
  }
  return parsed.data as ConsumerContractRecord;
}

/**
 * Records a declared consumer contract against the provider's contract as it is now: method and path of each
 * operation, and the shape of each field sent or read. A read of `items[].id` also records `items` and `items[]`,
 * so that a parent that becomes nullable or optional is caught too. Throws naming a declared field the provider
 * does not have.
 */
export function recordConsumerContract(contract: ConsumerContract): ConsumerContractRecord {
  const { consumer, provider } = contract;
  const operations = Object.entries(contract.operations).map(([name, needs]): OperationRecord => {
    const route = provider.routes[name];
    if (!route) throw new Error(`${consumer} declares ${provider.module}.${name}, which ${provider.module}'s contract does not have.`);
    const subject = `${provider.module}.${name}`;
    return {
      operation: name,
      method: methodOf(route),
      path: route.path,
      // Only the shape is kept for inputs: whether the provider lets one out is its business, not the consumer's.
      sends: fields(routeInputSchema(route), needs.sends, `${consumer} sends ${subject} input`).map(({ optional: _, ...field }) => field),
      reads: fields(routeSuccessSchema(route), withParents(needs.reads), `${consumer} reads ${subject} response field`),
    };
  });
  const events = contract.events.map(({ event, reads }): EventRecord => ({
    event: event.name,
    version: event.version,
    reads: fields(eventPayloadSchema(event), withParents(reads), `${consumer} reads ${event.name} v${event.version} payload field`),
  }));
  return {
    consumer,
    provider: provider.module,
    operations: operations.sort((a, b) => compare(a.operation, b.operation)),
    events: events.sort((a, b) => compare(a.event, b.event) || a.version - b.version),
  };
}

/**
 * The committed form of a record: stable key order, two-space indent, one line per field (so a changed field is a
 * one-line diff), one trailing newline.
 */
export function renderRecord(record: ConsumerContractRecord): string {
  const lines: string[] = [];
  const text = JSON.stringify(record, (_key, value: unknown) => (isFieldRecord(value) ? `@@field-${lines.push(JSON.stringify(value)) - 1}@@` : value), 2);
  return `${text.replace(/"@@field-(\d+)@@"/g, (_, i: string) => lines[Number(i)] ?? '')}\n`;
}

/** `inventory--catalog.json`. */
export function recordFileName(record: Pick<ConsumerContractRecord, 'consumer' | 'provider'>): string {
  return `${record.consumer}--${record.provider}.json`;
}

function fields(schema: JsonSchema, paths: readonly string[], what: string): FieldRecord[] {
  return [...paths].sort(compare).map((path) => {
    const shape = shapeAt(schema, path);
    if (!shape) throw new Error(`${what} "${path}", which the provider does not have.`);
    // Fixed key order, so the file is the same whatever order the shape was built in.
    return {
      path,
      type: shape.type,
      ...(shape.optional ? { optional: true as const } : {}),
      ...(shape.enum ? { enum: shape.enum } : {}),
      ...(shape.format === undefined ? {} : { format: shape.format }),
    };
  });
}

/** `items[].id` → `items`, `items[]`, `items[].id`. */
function withParents(paths: readonly string[]): string[] {
  const all = new Set<string>();
  for (const path of paths) {
    const steps = parseFieldPath(path);
    for (let i = 1; i <= steps.length; i++) all.add(joinFieldPath(steps.slice(0, i)));
  }
  return [...all];
}

function isFieldRecord(value: unknown): value is FieldRecord {
  return typeof value === 'object' && value !== null && 'path' in value && 'type' in value && Array.isArray(value.type);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
