import { describe, expect, it } from 'vitest';
import { withProviders } from './targets.ts';

describe('the modules a contract test hosts', () => {
  it('are the named ones and those they call, transitively, in the order of apps/modules.ts', () => {
    expect(withProviders(['catalog'])).toEqual(['catalog']);
    expect(withProviders(['inventory'])).toEqual(['catalog', 'inventory']);
    expect(withProviders(['ordering'])).toEqual(['catalog', 'inventory', 'identity', 'payments', 'ordering']);
    expect(withProviders(['inventory', 'catalog', 'inventory'])).toEqual(['catalog', 'inventory']);
  });
});
