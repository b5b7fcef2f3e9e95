import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../observability/index.ts';
import type { EventEnvelope } from './envelope.ts';
import { createPublishReconciler, type OwedDelivery } from './publish-reconciler.ts';
import type { SubscriptionEntry } from './subscription-table.ts';

const envelope = (name: string, version = 1): EventEnvelope => ({
  id: randomUUID(),
  name,
  version,
  occurredAt: new Date().toISOString(),
  key: 'k1',
  correlationId: 'c1',
  causationId: null,
  traceparent: null,
  payload: {},
});

const entry = (event: string, registeredAt: number, version = 1): SubscriptionEntry => ({
  event,
  version,
  consumer: `late:on-${event}`,
  module: 'late',
  partitions: 4,
  inboxRetentionMs: 60_000,
  registeredAt: new Date(registeredAt).toISOString(),
});

function reconciler() {
  const delivered: OwedDelivery[][] = [];
  const r = createPublishReconciler({
    log: createLogger({ level: 'silent', format: 'json' }),
    refreshMs: 60_000,
    refresh: () => Promise.resolve(),
    closing: () => false,
    deliver: (owed) => {
      delivered.push([...owed]);
      return Promise.resolve();
    },
  });
  return { r, delivered };
}

describe('publish reconciler', () => {
  it('sends a publish to a subscription a later read adds, if it was registered by the time of the publish', async () => {
    const { r, delivered } = reconciler();
    const t = 1_000_000;
    const sent = envelope('catalog.product-created');
    r.remember(sent, t);
    expect(r.pending).toBe(true);
    await r.onRead([entry('catalog.product-created', t - 500), entry('catalog.product-created', t + 10_000), entry('other.event', t - 500)], t + 100);
    expect(delivered.flat().map((o) => [o.envelope.id, o.entry.event, o.entry.registeredAt])).toEqual([
      [sent.id, 'catalog.product-created', new Date(t - 500).toISOString()],
    ]);
    expect(r.pending).toBe(false);
    r.stop();
  });

  it('keeps a publish made after the read began for the next read, and a version the subscription does not take is not owed', async () => {
    const { r, delivered } = reconciler();
    const t = 2_000_000;
    const later = envelope('catalog.product-created');
    const v2 = envelope('catalog.product-created', 2);
    r.remember(later, t + 500);
    r.remember(v2, t - 100);
    await r.onRead([entry('catalog.product-created', t - 1_000)], t);
    expect(delivered.flat()).toEqual([]);
    expect(r.pending).toBe(true);
    await r.onRead([entry('catalog.product-created', t - 1_000)], t + 1_000);
    expect(delivered.flat().map((o) => o.envelope.id)).toEqual([later.id]);
    r.stop();
  });

  it('a failed delivery fails the read and keeps what is owed', async () => {
    const r = createPublishReconciler({
      log: createLogger({ level: 'silent', format: 'json' }),
      refreshMs: 60_000,
      refresh: () => Promise.resolve(),
      closing: () => false,
      deliver: () => Promise.reject(new Error('Redis is away')),
    });
    r.remember(envelope('a.b'), 10);
    await expect(r.onRead([entry('a.b', 5)], 20)).rejects.toThrow('Redis is away');
    expect(r.pending).toBe(true);
    r.stop();
  });
});
