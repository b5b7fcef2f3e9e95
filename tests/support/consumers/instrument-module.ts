import type { CallOptions, Client, Contract, Fallbacks } from '../../../platform/contracts/index.ts';
import type { ModuleContext, ModuleDefinition } from '../../../platform/host/index.ts';
import type { CompensateContext, SagaDefinition, StepContext } from '../../../platform/sagas/index.ts';
import { eventUsage, operationUsage, usageOf, type UsageLog } from './usage-log.ts';
import { leafPaths, watchReads } from './watch-reads.ts';

type Call = (input?: Record<string, unknown>, options?: CallOptions) => Promise<{ status: number; body: unknown; headers: Headers }>;

/**
 * A client that calls through `inner` and logs, per operation, the input paths sent and, through a watching proxy
 * over each response body, the fields read.
 */
export function recordingClient<C extends Contract>(contract: C, inner: Client<C>, consumer: string, log: UsageLog): Client<C> {
  const usage = usageOf(log, consumer, contract.module);
  const calls = inner as unknown as Record<string, Call>;
  const client: Record<string, Call> = {};
  for (const name of Object.keys(contract.routes)) {
    client[name] = async (input = {}, options) => {
      const seen = operationUsage(usage, name);
      for (const path of leafPaths(input)) seen.sends.add(path);
      const call = calls[name];
      if (!call) throw new Error(`The client for ${contract.module} has no ${name}.`);
      const result = await call(input, options);
      return { ...result, body: watchReads(result.body, (path) => seen.reads.add(path)) };
    };
  }
  return client as unknown as Client<C>;
}

/**
 * The same module, run by a host as usual, except that every client it gets from its context records what it
 * sends and reads, and every event handler gets a payload that records what it reads. Everything else (database,
 * outbox, inbox, retries) is the host's own, so the module's real use cases run unchanged.
 */
export function instrumentModule(definition: ModuleDefinition, log: UsageLog): ModuleDefinition {
  const consumer = definition.name;
  const sagas = new Map<SagaDefinition, SagaDefinition>();
  const instrument = (ctx: ModuleContext): ModuleContext => ({
    ...ctx,
    client: <C extends Contract>(contract: C, options?: { fallbacks?: Fallbacks<C> }) =>
      recordingClient(contract, ctx.client(contract, options), consumer, log),
    // A use case starts the saga it knows; the host runs its instrumented copy.
    sagas: { start: (tx, saga, input, options) => ctx.sagas.start(tx, sagas.get(saga) ?? saga, input, options) },
  });
  // Saga steps call participants through the context the runner gives them: instrumented the same way.
  for (const saga of definition.sagas ?? []) {
    const steps = saga.steps.map((step) => ({
      ...step,
      invoke: (c: StepContext<unknown>) => step.invoke({ ...c, context: instrument(c.context as ModuleContext) }),
      ...(step.compensate
        ? { compensate: (c: CompensateContext<unknown>) => step.compensate?.({ ...c, context: instrument(c.context as ModuleContext) }) ?? Promise.resolve() }
        : {}),
    }));
    sagas.set(saga, { ...saga, steps });
  }
  const { seed, health, subscriptions } = definition;
  return {
    ...definition,
    ...(definition.sagas ? { sagas: definition.sagas.map((saga) => sagas.get(saga) ?? saga) } : {}),
    routes: (ctx) => definition.routes(instrument(ctx)),
    ...(seed ? { seed: (ctx: ModuleContext) => seed(instrument(ctx)) } : {}),
    ...(health ? { health: (ctx: ModuleContext) => health(instrument(ctx)) } : {}),
    ...(subscriptions
      ? {
          subscriptions: subscriptions.map((subscription) => ({
            ...subscription,
            handle: (payload: unknown, tools: Parameters<typeof subscription.handle>[1]) => {
              const reads = eventUsage(usageOf(log, consumer, subscription.event.module), subscription.event);
              const watched = watchReads(payload, (path) => reads.add(path));
              return subscription.handle(watched, { ...tools, envelope: { ...tools.envelope, payload: watched }, context: instrument(tools.context) });
            },
          })),
        }
      : {}),
  };
}
