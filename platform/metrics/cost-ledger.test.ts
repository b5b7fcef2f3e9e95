import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCostLedger } from './cost-ledger.ts';

describe('cost ledger', () => {
  afterEach(() => vi.useRealTimers());

  it('reports a window from the minute snapshots, and shares busy time between modules', () => {
    vi.useFakeTimers();
    let clock = Date.parse('2026-11-30T12:00:00Z');
    const ledger = createCostLedger(
      [
        { name: 'catalog', owner: 'team-a', costCentre: 'cc-1' },
        { name: 'inventory', owner: 'team-a', costCentre: 'cc-1' },
        { name: 'identity', owner: 'team-b', costCentre: 'cc-2' },
      ],
      () => clock,
    );
    const minute = () => {
      clock += 60_000;
      vi.advanceTimersByTime(60_000);
    };
    // Minute 1: catalog busy 3 s; minutes 2 and 3: inventory busy 1 s, catalog 1 s.
    ledger.request('catalog', 3);
    minute();
    ledger.request('inventory', 0.5);
    ledger.delivery('inventory', 0.25, true);
    ledger.sagaStep('inventory', 0.25);
    ledger.request('catalog', 1);
    ledger.statement('catalog', 0.25);
    ledger.published('catalog');
    ledger.request('billing', 9); // not hosted here: not counted
    minute();
    minute();
    const lastTwo = ledger.report(2 * 60_000);
    expect(lastTwo.window.seconds).toBe(120);
    const catalog = lastTwo.modules.find((m) => m.module === 'catalog');
    const inventory = lastTwo.modules.find((m) => m.module === 'inventory');
    // The 3 s of minute 1 are outside the window (the snapshot two minutes back is after them).
    expect(catalog).toMatchObject({ requests: 1, requestSeconds: 1, eventsPublished: 1 });
    expect(inventory).toMatchObject({ requests: 1, consumerSeconds: 0.25, sagaSteps: 1, sagaSeconds: 0.25 });
    expect(catalog?.share).toBeCloseTo(0.5, 6);
    const all = ledger.report(60 * 60_000);
    expect(all.window.seconds).toBe(180);
    const c = all.modules.find((m) => m.module === 'catalog');
    const i = all.modules.find((m) => m.module === 'inventory');
    expect(c).toMatchObject({ requests: 2, requestSeconds: 4, statements: 1, databaseSeconds: 0.25, eventsPublished: 1 });
    expect(i).toMatchObject({ requests: 1, deliveries: 1, eventsConsumed: 1 });
    expect(c?.share).toBeCloseTo(0.8, 6);
    expect(i?.share).toBeCloseTo(0.2, 6);
    expect(all.modules.find((m) => m.module === 'identity')?.share).toBe(0);
    expect(all.owners.find((o) => o.owner === 'team-a')).toMatchObject({ modules: ['catalog', 'inventory'], requests: 3 });
    expect(all.owners.find((o) => o.owner === 'team-a')?.share).toBeCloseTo(1, 6);
    ledger.close();
  });
});
