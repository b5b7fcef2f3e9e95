/**
 * The partition an aggregate key's events go to: FNV-1a over the key's UTF-8 bytes, modulo the partition count. The
 * same on every runtime and process, so every publisher sends one key's events to the same partition.
 */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

const encoder = new TextEncoder();

/** The queue of one partition of a consuming module. BullMQ queue names must not contain ':'. */
export function partitionQueueName(module: string, partition: number): string {
  return `${module}.${partition}`;
}

/**
 * One job per event, consumer and event version: the same event published twice maps to the same job, and a consumer
 * moving between versions gets both without one job id hiding the other. BullMQ job ids may not contain ':'.
 */
export function eventJobId(eventId: string, consumer: string, version: number): string {
  return `${eventId}.${consumer.replaceAll(':', '.')}.v${version}`;
}

/** The Redis key prefix BullMQ uses for Cleave's queues: everything Cleave writes lives under `REDIS_PREFIX`. */
export function queuePrefix(prefix: string): string {
  return `${prefix}:q`;
}
