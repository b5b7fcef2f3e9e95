/** What one consuming module was seen to use of one provider while its real code ran. */
export interface ProviderUsage {
  /** By operation name: the input paths sent and the response field paths read. */
  operations: Map<string, { sends: Set<string>; reads: Set<string> }>;
  /** By `name@vN`: the payload field paths read. */
  events: Map<string, Set<string>>;
}

/** Usage by consumer, then by provider. */
export type UsageLog = Map<string, Map<string, ProviderUsage>>;

/** The entry for a consumer and provider, made on first use. */
export function usageOf(log: UsageLog, consumer: string, provider: string): ProviderUsage {
  const byProvider = log.get(consumer) ?? new Map<string, ProviderUsage>();
  log.set(consumer, byProvider);
  const usage = byProvider.get(provider) ?? { operations: new Map(), events: new Map() };
  byProvider.set(provider, usage);
  return usage;
}

/** The sets for one operation, made on first use. */
export function operationUsage(usage: ProviderUsage, operation: string): { sends: Set<string>; reads: Set<string> } {
  const entry = usage.operations.get(operation) ?? { sends: new Set(), reads: new Set() };
  usage.operations.set(operation, entry);
  return entry;
}

/** The payload reads for one event version, made on first use. */
export function eventUsage(usage: ProviderUsage, event: { name: string; version: number }): Set<string> {
  const id = `${event.name}@v${event.version}`;
  const entry = usage.events.get(id) ?? new Set<string>();
  usage.events.set(id, entry);
  return entry;
}
