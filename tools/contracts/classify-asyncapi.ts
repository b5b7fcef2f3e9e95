import type { Finding } from './classify.ts';
import { diffSchemas, resolvePointer, type Severity } from './schema-diff.ts';

type Json = Record<string, unknown>;

interface EventOperation {
  action: string;
  /** `<name>@v<version>`, the channel address. */
  type: string;
  name: string;
  version: number;
  consumer: string;
  payload: unknown;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
/** Follows `$ref`s, which in AsyncAPI 3 chain: operation message → channel message → component message. */
function deref(root: unknown, value: unknown): Json {
  let node = value;
  for (let hops = 0; isObject(node) && typeof node.$ref === 'string' && hops < 8; hops++) node = resolvePointer(root, node.$ref);
  return isObject(node) ? node : {};
}

function eventOperations(doc: unknown): Map<string, EventOperation> {
  const found = new Map<string, EventOperation>();
  for (const [id, raw] of Object.entries(isObject(doc) && isObject(doc.operations) ? doc.operations : {})) {
    const op = deref(doc, raw);
    const address = String(deref(doc, op.channel).address ?? id);
    const match = /^(.+)@v(\d+)$/.exec(address);
    const [name, version] = match ? [match[1] as string, Number(match[2])] : [address, 0];
    const message = deref(doc, Array.isArray(op.messages) ? op.messages[0] : undefined);
    const action = String(op.action);
    const consumer = typeof op['x-consumer'] === 'string' ? op['x-consumer'] : id;
    found.set(action === 'send' ? `send ${address}` : `${action} ${address} ${consumer}`, { action, type: address, name, version, consumer, payload: message.payload });
  }
  return found;
}

/**
 * Every difference between two AsyncAPI documents of one module. Published events (`send`) are the contract: removing
 * one, or removing or retyping a field of one, breaks its consumers; a new event, or a new version beside the old,
 * does not. Subscriptions (`receive`) are the module's own business and are reported as compatible.
 */
export function classifyAsyncApi(module: string, before: unknown, after: unknown): Finding[] {
  const [b, a] = [eventOperations(before), eventOperations(after)];
  const findings: Finding[] = [];
  for (const key of new Set([...b.keys(), ...a.keys()])) {
    const was = b.get(key);
    const is = a.get(key);
    const at = (is ?? was) as EventOperation;
    const report = (severity: Severity, message: string) => findings.push({ severity, module, subject: `event ${at.type}`, message });
    const sends = (ops: Map<string, EventOperation>) => [...ops.values()].filter((o) => o.action === 'send' && o.name === at.name && o.version !== at.version);
    if (at.action !== 'send') {
      if (!was) report('compatible', `now consumed by ${at.consumer}`);
      else if (!is) report('compatible', `no longer consumed by ${at.consumer}`);
    } else if (!is) {
      const newer = sends(a).find((o) => o.version > at.version);
      report('breaking', newer ? `event removed; v${newer.version} is its new version, but v${at.version} must still be published beside it` : 'event removed');
    } else if (!was) {
      const older = sends(b).map((o) => `v${o.version}`);
      report('compatible', older.length > 0 ? `new version of ${at.name} (beside ${older.join(', ')})` : 'new event');
    } else {
      for (const change of diffSchemas({ schema: was.payload, root: before }, { schema: is.payload, root: after }, 'output')) {
        report(change.severity, `${change.path ? `event field "${change.path}"` : 'event message'} ${change.text}`);
      }
    }
  }
  return findings;
}
