import { describe, expect, it } from 'vitest';
import { checkEntityName, checkModuleName, moduleNames, NameError, pluralise, reservedModuleNames } from '../../tools/scaffold/names.ts';

describe('new:module names', () => {
  it.each(['loyalty-points', 'billing', 'a1', 'x-2-y'])('accepts %s', (name) => {
    expect(() => checkModuleName(name)).not.toThrow();
  });

  it.each([
    ['LoyaltyPoints', 'not lower-case kebab-case'],
    ['loyalty_points', 'not lower-case kebab-case'],
    ['loyalty--points', 'not lower-case kebab-case'],
    ['-points', 'not lower-case kebab-case'],
    ['points-', 'not lower-case kebab-case'],
    ['2fa', 'not lower-case kebab-case'],
    ['', 'not lower-case kebab-case'],
    ['ops', 'reserved: /ops is served by the host itself'],
    ['openapi.json', 'reserved'],
    ['public', "PostgreSQL's default schema"],
    ['platform', 'folder of the repository'],
    ['constructor', 'a property of every JavaScript object'],
    ['prototype', 'a property of every JavaScript object'],
    [`a${'-b'.repeat(20)}`, 'longer than 40 characters'],
  ])('refuses %j: %s', (name, message) => {
    expect(() => checkModuleName(name)).toThrow(NameError);
    expect(() => checkModuleName(name)).toThrow(message);
  });

  it('every reserved name says why', () => {
    for (const [name, reason] of reservedModuleNames) expect(reason, name).not.toBe('');
    expect([...reservedModuleNames.keys()]).toEqual(expect.arrayContaining(['ops', 'registry', 'health', 'docs', 'openapi.json']));
  });

  it.each([
    ['dead-letter', 'would make a table dead_letters, which every module already has'],
    ['event-table', 'would shadow eventTables'],
    ['Item', 'not lower-case kebab-case'],
  ])('refuses entity %j: %s', (entity, message) => {
    expect(() => checkEntityName(entity)).toThrow(message);
  });

  it('accepts an entity whose plural only resembles an event table (outbox → outboxes)', () => {
    expect(() => checkEntityName('outbox')).not.toThrow();
  });

  it.each([
    ['item', 'items'],
    ['reward-tier', 'reward-tiers'],
    ['category', 'categories'],
    ['day', 'days'],
    ['box', 'boxes'],
    ['batch', 'batches'],
    ['address', 'addresses'],
  ])('pluralises %s as %s', (singular, plural) => {
    expect(pluralise(singular)).toBe(plural);
  });

  it('spells a two-word module and entity every way the templates need', () => {
    expect(moduleNames('loyalty-points', 'reward-tier')).toEqual({
      module: { kebab: 'loyalty-points', camel: 'loyaltyPoints', pascal: 'LoyaltyPoints', snake: 'loyalty_points', words: 'loyalty points' },
      entity: { kebab: 'reward-tier', camel: 'rewardTier', pascal: 'RewardTier', snake: 'reward_tier', words: 'reward tier' },
      entities: { kebab: 'reward-tiers', camel: 'rewardTiers', pascal: 'RewardTiers', snake: 'reward_tiers', words: 'reward tiers' },
    });
  });
});
