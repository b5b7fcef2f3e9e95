import type { RouteConfig } from '@hono/zod-openapi';
import type { EventDefinition, EventPayload } from '../events/index.ts';
import type { RouteInput, RouteOutput } from './client.ts';
import type { Contract } from './define-contract.ts';

type Leaf = string | number | boolean | bigint | symbol | null | undefined | Date;
/** Depth budget for `FieldPath`: each step down takes one off, so deep or recursive types stay cheap to check. */
type Down = [never, 0, 1, 2, 3, 4, 5, 6];

type Suffix<V, D extends number> = [D] extends [never]
  ? never
  : V extends unknown
    ? V extends Leaf
      ? never
      : V extends readonly (infer E)[]
        ? '[]' | `[]${Suffix<E, Down[D]>}`
        : { [K in keyof V & string]-?: `.${K}` | `.${K}${Suffix<V[K], Down[D]>}` }[keyof V & string]
    : never;

type NoLeadingDot<S> = S extends `.${infer P}` ? P : S;

/**
 * Every dotted path into `T`: `sku`, `price.amount`, `items[]`, `items[].id` (`[]` stands for any element of an
 * array). What a consumer contract names when it says which fields it reads or sends.
 */
export type FieldPath<T> = NoLeadingDot<Suffix<T, 7>>;

/** The body of any success answer of a route, as the typed client returns it. */
export type SuccessBody<R extends RouteConfig> = RouteOutput<R>['body'];

/** What a consumer does with one operation of the provider. */
export interface OperationNeeds<R extends RouteConfig> {
  /** Inputs it sends, as paths into the client call's input: `params.id`, `query.status`, `body.price.amount`. */
  sends?: readonly FieldPath<RouteInput<R>>[];
  /** Fields of the success body it reads: `status`, `items[].id`. */
  reads?: readonly FieldPath<SuccessBody<R>>[];
}

/** One event version a consumer handles and the payload fields its handlers read (made by `consumedEvent`). */
export interface EventNeeds {
  event: EventDefinition;
  reads: readonly string[];
}

/** A consumer contract as code declares it, typed against the provider's contract. */
export interface ConsumerContractDefinition<C extends Contract> {
  /** The consuming module's name. */
  consumer: string;
  provider: C;
  operations?: { [K in keyof C['routes']]?: OperationNeeds<C['routes'][K]> };
  events?: readonly EventNeeds[];
}

/** What one module needs from another's API and events; paths are plain strings from here on. */
export interface ConsumerContract {
  consumer: string;
  provider: Contract;
  operations: Readonly<Record<string, { sends: readonly string[]; reads: readonly string[] }>>;
  events: readonly EventNeeds[];
}

const inputSections = new Set(['params', 'query', 'headers', 'body']);

/**
 * Declares what a module uses of another module: the operations it calls with the inputs it sends and the response
 * fields it reads, and the events it consumes with the payload fields it reads. Typed against the provider's
 * contract, so a misspelt operation or field does not compile. `npm run contracts:consumers` records it under
 * `contracts/consumers/`, a recording test proves it covers what the code does, and the provider's tests verify
 * it against the provider's current contract.
 *
 * @example
 * export const inventoryConsumesCatalog = defineConsumerContract({
 *   consumer: 'inventory',
 *   provider: catalogContract,
 *   operations: { getProduct: { sends: ['params.id'], reads: ['status', 'sku'] } },
 *   events: [consumedEvent(productArchived, ['productId'])],
 * });
 */
export function defineConsumerContract<const C extends Contract>(definition: ConsumerContractDefinition<C>): ConsumerContract {
  const { consumer, provider } = definition;
  if (consumer === provider.module) throw new Error(`Module ${consumer} cannot be its own consumer.`);
  const operations: Record<string, { sends: readonly string[]; reads: readonly string[] }> = {};
  for (const [name, needs] of Object.entries(definition.operations ?? {}) as [string, { sends?: readonly string[]; reads?: readonly string[] } | undefined][]) {
    if (!needs) continue;
    if (!Object.hasOwn(provider.routes, name)) throw new Error(`${consumer} declares ${provider.module}.${name}, which is not in ${provider.module}'s contract.`);
    const sends = checkedPaths(needs.sends ?? [], `${consumer}: ${provider.module}.${name} input`);
    for (const path of sends) {
      if (!inputSections.has(parseFieldPath(path)[0] ?? '')) throw new Error(`${consumer}: ${provider.module}.${name} input "${path}" must start with params, query, headers or body.`);
    }
    operations[name] = { sends, reads: checkedPaths(needs.reads ?? [], `${consumer}: ${provider.module}.${name} response field`) };
  }
  const events = (definition.events ?? []).map(({ event, reads }): EventNeeds => {
    if (!provider.events.some((e) => e.name === event.name && e.version === event.version)) {
      throw new Error(`${consumer} declares ${event.name} v${event.version}, which ${provider.module}'s contract does not publish.`);
    }
    return { event, reads: checkedPaths(reads, `${consumer}: ${event.name} v${event.version} payload field`) };
  });
  const seen = new Set<string>();
  for (const { event } of events) {
    const id = `${event.name}@v${event.version}`;
    if (seen.has(id)) throw new Error(`${consumer} declares ${id} twice.`);
    seen.add(id);
  }
  return { consumer, provider, operations, events };
}

/**
 * One consumed event version for `defineConsumerContract`, with the payload fields the handlers read, typed
 * against the event's schema.
 *
 * @example consumedEvent(productCreated, ['productId', 'sku'])
 */
export function consumedEvent<E extends EventDefinition>(event: E, reads: readonly FieldPath<EventPayload<E>>[]): EventNeeds {
  return { event, reads };
}

/** Splits a field path into its steps: `items[].id` → `['items', '[]', 'id']`. Throws on a malformed path. */
export function parseFieldPath(path: string): string[] {
  const steps: string[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\])*)$/.exec(part);
    const name = match?.[1] ?? '';
    const arrays = (match?.[2]?.length ?? 0) / 2;
    // Only the first step may be a bare `[]` (a body that is an array); `a..b`, `a.` and `a[0]` are not paths.
    if (!match || (name === '' && (steps.length > 0 || arrays === 0))) throw new Error(`"${path}" is not a field path (e.g. items[].id).`);
    if (name !== '') steps.push(name);
    for (let i = 0; i < arrays; i++) steps.push('[]');
  }
  return steps;
}

/** The inverse of `parseFieldPath`: `['items', '[]', 'id']` → `items[].id`. */
export function joinFieldPath(steps: readonly string[]): string {
  return steps.reduce((path, step) => (step === '[]' ? `${path}[]` : path === '' ? step : `${path}.${step}`), '');
}

function checkedPaths(paths: readonly string[], what: string): string[] {
  const unique = [...new Set(paths)];
  if (unique.length !== paths.length) throw new Error(`${what}s list a path twice: ${paths.join(', ')}.`);
  for (const path of unique) {
    if (joinFieldPath(parseFieldPath(path)) !== path) throw new Error(`${what} "${path}" is not a field path (e.g. items[].id).`);
  }
  return unique.sort();
}
