import type { ConsumerContract } from '../../../platform/contracts/consumer-contract.ts';
import type { ModuleDefinition } from '../../../platform/host/index.ts';
import type { ProviderUsage, UsageLog } from './usage-log.ts';

interface Needs {
  operations: Map<string, { sends: readonly string[]; reads: readonly string[] }>;
  events: Map<string, readonly string[]>;
}

/**
 * What the consumers were seen to use and their consumer contracts do not declare, one sentence each. A recorded
 * path is covered by the same declared path or by a declared path under it (reading `items[].id` reads `items`).
 */
export function undeclaredUses(log: UsageLog, declared: readonly ConsumerContract[]): string[] {
  const problems: string[] = [];
  for (const [consumer, byProvider] of log) {
    for (const [provider, usage] of byProvider) {
      if (provider === consumer) continue;
      const needs = needsOf(declared, consumer, provider);
      const says = `which ${consumer}'s consumer contract with ${provider} does not declare`;
      if (!needs) {
        problems.push(...subjects(provider, usage).map((s) => `${consumer} uses ${s} but declares no consumer contract with ${provider}`));
        continue;
      }
      for (const [name, seen] of sorted(usage.operations)) {
        const want = needs.operations.get(name);
        if (!want) problems.push(`${consumer} calls ${provider}.${name}, ${says}`);
        for (const path of uncovered(seen.sends, want?.sends)) problems.push(`${consumer} sends ${provider}.${name} input "${path}", ${says}`);
        for (const path of uncovered(seen.reads, want?.reads)) problems.push(`${consumer} reads ${provider}.${name} response field "${path}", ${says}`);
      }
      for (const [id, reads] of sorted(usage.events)) {
        const want = needs.events.get(id);
        if (!want) problems.push(`${consumer} consumes ${show(id)}, ${says}`);
        for (const path of uncovered(reads, want)) problems.push(`${consumer} reads ${show(id)} payload field "${path}", ${says}`);
      }
    }
  }
  return problems;
}

/**
 * What the consumer contracts of `consumers` declare and the recorded run never used: a declaration that claims
 * more than the code needs holds its provider back for nothing.
 */
export function unusedDeclarations(log: UsageLog, declared: readonly ConsumerContract[]): string[] {
  const problems: string[] = [];
  for (const contract of declared) {
    const { consumer } = contract;
    const provider = contract.provider.module;
    const usage = log.get(consumer)?.get(provider);
    const never = `but the recorded run of ${consumer} never did`;
    for (const [name, want] of Object.entries(contract.operations)) {
      const seen = usage?.operations.get(name);
      if (!seen) problems.push(`${consumer} declares it calls ${provider}.${name}, ${never}`);
      for (const path of want.sends.filter((p) => !seen?.sends.has(p)))
        problems.push(`${consumer} declares it sends ${provider}.${name} input "${path}", ${never}`);
      for (const path of want.reads.filter((p) => !seen?.reads.has(p)))
        problems.push(`${consumer} declares it reads ${provider}.${name} response field "${path}", ${never}`);
    }
    for (const { event, reads } of contract.events) {
      const id = `${event.name}@v${event.version}`;
      const seen = usage?.events.get(id);
      if (!seen) problems.push(`${consumer} declares it consumes ${show(id)}, ${never}`);
      for (const path of reads.filter((p) => !seen?.has(p))) problems.push(`${consumer} declares it reads ${show(id)} payload field "${path}", ${never}`);
    }
  }
  return problems;
}

/**
 * Read from the module definitions alone: every module that lists another in `uses` or subscribes to another's
 * events has a consumer contract with it, declaring every event version it subscribes to.
 */
export function undeclaredDependencies(modules: readonly ModuleDefinition[], declared: readonly ConsumerContract[]): string[] {
  const problems: string[] = [];
  for (const m of modules) {
    const providers = new Set([...(m.uses ?? []).map((c) => c.module), ...(m.subscriptions ?? []).map((s) => s.event.module)]);
    providers.delete(m.name);
    for (const provider of [...providers].sort()) {
      const needs = needsOf(declared, m.name, provider);
      if (!needs) {
        problems.push(
          `${m.name} uses ${provider} but declares no consumer contract with it (modules/${m.name}/contract/consumes.ts, listed in tools/consumer-contracts/declared.ts)`,
        );
        continue;
      }
      for (const { event } of (m.subscriptions ?? []).filter((s) => s.event.module === provider)) {
        const id = `${event.name}@v${event.version}`;
        if (!needs.events.has(id)) problems.push(`${m.name} subscribes to ${show(id)}, which its consumer contract with ${provider} does not declare`);
      }
    }
  }
  return problems;
}

function needsOf(declared: readonly ConsumerContract[], consumer: string, provider: string): Needs | undefined {
  const contract = declared.find((c) => c.consumer === consumer && c.provider.module === provider);
  if (!contract) return undefined;
  return {
    operations: new Map(Object.entries(contract.operations)),
    events: new Map(contract.events.map(({ event, reads }) => [`${event.name}@v${event.version}`, reads])),
  };
}

/** Recorded paths that are neither declared nor a parent of a declared path. */
function uncovered(seen: ReadonlySet<string>, declared: readonly string[] = []): string[] {
  return [...seen].filter((path) => !declared.some((d) => d === path || d.startsWith(`${path}.`) || d.startsWith(`${path}[]`))).sort();
}

function subjects(provider: string, usage: ProviderUsage): string[] {
  return [...[...usage.operations.keys()].map((name) => `${provider}.${name}`), ...[...usage.events.keys()].map(show)];
}

function sorted<V>(map: ReadonlyMap<string, V>): [string, V][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `catalog.product-created@v1` → `catalog.product-created v1`. */
function show(id: string): string {
  return id.replace('@', ' ');
}
