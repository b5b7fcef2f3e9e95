import type { Contract } from '../../platform/contracts/define-contract.ts';
import type { ConsumerContractRecord, FieldRecord } from './record.ts';
import { eventPayloadSchema, methodOf, routeInputSchema, routeSuccessSchema } from './route-schemas.ts';
import { missingRequired, shapeAt, type FieldShape, type JsonSchema } from './schema-shape.ts';

export type FindingProblem =
  | 'operation-missing'
  | 'operation-moved'
  | 'input-required'
  | 'input-rejected'
  | 'input-incompatible'
  | 'field-missing'
  | 'field-optional'
  | 'field-incompatible'
  | 'event-missing';

/** One way in which a provider's current contract breaks what a consumer relies on. */
export interface ConsumerContractFinding {
  consumer: string;
  provider: string;
  /** The operation (`catalog.getProduct`) or event version (`catalog.product-created v1`). */
  subject: string;
  /** The field concerned (`status`, `query.limit`), when the finding is about one. */
  field?: string;
  problem: FindingProblem;
  /** A sentence naming consumer, provider, subject and field. */
  message: string;
}

/**
 * Checks a recorded consumer contract against the provider's current contract: every operation still exists with
 * the same method and path; every input the provider now requires is one the consumer sends; every input sent is
 * still accepted with a compatible type; every field read is still returned with a compatible type, and not
 * optional if it was not; every event version consumed is still published with every payload field read. Pure:
 * returns findings, empty when the provider can ship.
 *
 * @example
 * const record = parseRecord(readFileSync('contracts/consumers/inventory--catalog.json', 'utf8'), 'inventory--catalog.json');
 * for (const finding of verifyConsumerContract(record, catalogContract)) console.error(finding.message);
 */
export function verifyConsumerContract(record: ConsumerContractRecord, provider: Contract): ConsumerContractFinding[] {
  const findings: ConsumerContractFinding[] = [];
  const who = { consumer: record.consumer, provider: record.provider };
  const add = (subject: string, problem: FindingProblem, message: string, field?: string) =>
    findings.push({ ...who, subject, ...(field === undefined ? {} : { field }), problem, message: `${record.consumer} ${message}` });
  if (record.provider !== provider.module) throw new Error(`The consumer contract ${record.consumer}--${record.provider} is not for ${provider.module}.`);

  for (const op of record.operations) {
    const subject = `${record.provider}.${op.operation}`;
    const route = provider.routes[op.operation];
    if (!route) {
      const moved = Object.entries(provider.routes).find(([, r]) => methodOf(r) === op.method && r.path === op.path);
      add(
        subject,
        'operation-missing',
        `calls ${subject} (${op.method} ${op.path}), which the provider no longer has${moved ? ` (that route is now ${record.provider}.${moved[0]})` : ''}`,
      );
      continue;
    }
    if (methodOf(route) !== op.method || route.path !== op.path) {
      add(subject, 'operation-moved', `calls ${subject} as ${op.method} ${op.path}, which the provider now serves as ${methodOf(route)} ${route.path}`);
    }
    const input = routeInputSchema(route);
    const sentPaths = op.sends.map((s) => s.path);
    for (const path of missingRequired(input, sentPaths)) {
      add(subject, 'input-required', `does not send ${subject} input "${path}", which the provider now requires`, path);
    }
    for (const sent of op.sends)
      checkSent(input, sent, (problem, message) => add(subject, problem, `sends ${subject} input "${sent.path}"${message}`, sent.path));
    const output = routeSuccessSchema(route);
    for (const read of op.reads)
      checkRead(output, read, 'returns', (problem, message) => add(subject, problem, `needs ${subject} response field "${read.path}"${message}`, read.path));
  }

  for (const consumed of record.events) {
    const subject = `${consumed.event} v${consumed.version}`;
    const event = provider.events.find((e) => e.name === consumed.event && e.version === consumed.version);
    if (!event) {
      const others = provider.events.filter((e) => e.name === consumed.event).map((e) => `v${e.version}`);
      add(
        subject,
        'event-missing',
        `consumes ${subject}, which the provider no longer publishes${others.length > 0 ? ` (it publishes ${others.join(', ')})` : ''}`,
      );
      continue;
    }
    const payload = eventPayloadSchema(event);
    for (const read of consumed.reads)
      checkRead(payload, read, 'sends', (problem, message) => add(subject, problem, `needs ${subject} payload field "${read.path}"${message}`, read.path));
  }
  return findings;
}

type Report = (problem: FindingProblem, message: string) => void;

/** The provider must still return the field, and nothing the consumer was not built for. */
function checkRead(schema: JsonSchema, read: FieldRecord, verb: 'returns' | 'sends', report: Report): void {
  const now = shapeAt(schema, read.path);
  if (!now) return report('field-missing', `, which the provider no longer ${verb}`);
  if (now.optional && !read.optional) report('field-optional', ', which the provider may now leave out');
  if (!fits(now, read)) report('field-incompatible', ` as ${render(read)}; the provider now ${verb} ${render(now)}`);
}

/** The provider must still accept the input, and everything the consumer may send in it. */
function checkSent(schema: JsonSchema, sent: FieldRecord, report: Report): void {
  const now = shapeAt(schema, sent.path);
  if (!now) return report('input-rejected', ', which the provider no longer accepts');
  if (!fits(sent, now)) report('input-incompatible', ` as ${render(sent)}; the provider now accepts ${render(now)}`);
}

/** Whether every value of shape `inner` is also a value of shape `outer` (as far as type, enum and format tell). */
function fits(inner: FieldShape, outer: FieldShape): boolean {
  if (outer.type.includes('any')) return true;
  const typed = inner.type.every((t) => outer.type.includes(t) || (t === 'integer' && outer.type.includes('number')));
  const valued = !outer.enum || (inner.enum !== undefined && inner.enum.every((v) => outer.enum?.includes(v)));
  const formatted = outer.format === undefined || !inner.type.includes('string') || inner.format === outer.format;
  return typed && valued && formatted;
}

function render(shape: FieldShape): string {
  const type = shape.type.join(' | ');
  const format = shape.format ? ` (${shape.format})` : '';
  const values = shape.enum ? ` one of ${shape.enum.map((v) => JSON.stringify(v)).join(', ')}` : '';
  return `${type}${format}${values}`;
}
