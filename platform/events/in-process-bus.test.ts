import { describe, expect, it } from 'vitest';
import { createLogger } from '../observability/index.ts';
import type { Consumer } from './bus.ts';
import { createInProcessBus } from './in-process-bus.ts';

function consumer(id: string, event: string): Consumer {
  return { id, module: id.split(':')[0] as string, event, version: 1, eventType: `${event}@v1`, deliver: async () => 'handled', deadLetter: async () => {} };
}

describe('in-process bus subscriptions', () => {
  it('lists each consumer with the time it subscribed, not a placeholder date', async () => {
    const bus = createInProcessBus({
      log: createLogger({ level: 'silent', format: 'json' }),
      maxAttempts: 1,
      retry: { baseMs: 1, maxMs: 1 },
      handlerTimeoutMs: 1000,
      inboxRetentionMs: 60_000,
    });
    const before = Date.now();
    bus.subscribe(consumer('inventory:on-product', 'catalog.product-created'));
    bus.subscribe(consumer('ordering:on-product', 'catalog.product-created'));
    const after = Date.now();
    const listed = await bus.subscriptions();
    expect(listed.map((s) => s.consumer).sort()).toEqual(['inventory:on-product', 'ordering:on-product']);
    for (const s of listed) {
      const at = Date.parse(s.registeredAt);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(after);
      expect(s).toMatchObject({ partitions: 1, inboxRetentionMs: 60_000, version: 1 });
    }
    await bus.close();
  });
});
