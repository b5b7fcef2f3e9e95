import { eventType } from '../../platform/events/index.ts';

/**
 * What the graph needs of a module: a structural subset of `ModuleDefinition`, so the real modules fit as they are
 * and tests can describe a system in a few lines.
 */
export interface GraphModule {
  name: string;
  version: string;
  owner: string;
  contract: { module: string; routes: Record<string, unknown>; events: readonly { name: string; version: number }[] };
  uses?: readonly { module: string; routes: Record<string, unknown> }[];
  subscriptions?: readonly { event: { name: string; version: number }; handler: string }[];
}

export interface ModuleNode {
  name: string;
  version: string;
  owner: string;
}

/** Caller → provider: the caller declared the provider's contract in `uses`. */
export interface CallEdge {
  from: string;
  to: string;
  /** The operations of the provider's contract (its route names), in contract order. */
  operations: string[];
}

/** Producer → consumer: the consumer subscribes to events the producer's contract publishes. */
export interface EventEdge {
  from: string;
  to: string;
  /** `<module>.<event>@v<N>`, in the consumer's subscription order, each once. */
  events: string[];
}

export interface ModuleGraph {
  modules: ModuleNode[];
  calls: CallEdge[];
  events: EventEdge[];
}

/**
 * The module graph: one node per module, one call edge per declared `uses`, one event edge per producer and
 * consumer pair. Pure and ordered by declaration, so the same modules always give the same graph.
 * An event no module's contract publishes is attributed to the module its name starts with.
 *
 * @example
 * moduleGraph(modules).events; // [{ from: 'catalog', to: 'inventory', events: ['catalog.product-created@v1', …] }]
 */
export function moduleGraph(modules: readonly GraphModule[]): ModuleGraph {
  const publisher = new Map(modules.flatMap((m) => m.contract.events.map((e) => [eventType(e), m.name] as const)));
  const calls = modules.flatMap((m) => (m.uses ?? []).map((used): CallEdge => ({ from: m.name, to: used.module, operations: Object.keys(used.routes) })));
  const events: EventEdge[] = [];
  for (const consumer of modules) {
    for (const { event } of consumer.subscriptions ?? []) {
      const type = eventType(event);
      const from = publisher.get(type) ?? event.name.split('.', 1)[0] ?? event.name;
      const edge = events.find((e) => e.from === from && e.to === consumer.name);
      if (!edge) events.push({ from, to: consumer.name, events: [type] });
      else if (!edge.events.includes(type)) edge.events.push(type);
    }
  }
  return { modules: modules.map(({ name, version, owner }) => ({ name, version, owner })), calls, events };
}
