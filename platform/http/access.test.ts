import { describe, expect, it } from 'vitest';
import type { Principal } from '../security/principal.ts';
import { accessNeeds, allows, anyModule, describeAccess } from './access.ts';

const user = (scopes: string[]): Principal => ({ kind: 'user', subject: 'u1', clientId: 'web', scopes: new Set(scopes) });
const moduleCaller = (module: string, onBehalfOf?: Principal): Principal => ({
  kind: 'module',
  subject: `module:${module}`,
  clientId: `module-${module}`,
  scopes: new Set(),
  module,
  ...(onBehalfOf ? { onBehalfOf } : {}),
});

describe('allows', () => {
  it('admits any authenticated caller when neither scopes nor modules are named', () => {
    expect(allows({}, user([]))).toBe(true);
    expect(allows({}, moduleCaller('ordering'))).toBe(true);
  });

  it('admits a named module as itself, and users only with the scopes', () => {
    const access = { scopes: ['inventory:write'], modules: ['ordering'] };
    expect(allows(access, moduleCaller('ordering'))).toBe(true);
    expect(allows(access, moduleCaller('payments'))).toBe(false);
    expect(allows(access, moduleCaller('payments', user(['inventory:write'])))).toBe(true);
    expect(allows(access, user(['inventory:write']))).toBe(true);
    expect(allows(access, user([]))).toBe(false);
  });

  it("admits every module as itself with '*', and no user, whatever the user's scopes", () => {
    const access = { modules: [anyModule] };
    expect(allows(access, moduleCaller('ordering'))).toBe(true);
    expect(allows(access, moduleCaller('notifications', user([])))).toBe(true);
    expect(allows(access, user(['operator', 'identity:admin']))).toBe(false);
    expect(allows(access, { kind: 'client', subject: 'c', clientId: 'c', scopes: new Set(['operator']) })).toBe(false);
  });

  it("says what '*' needs in words", () => {
    expect(describeAccess({ modules: [anyModule] })).toBe('any module');
    expect(accessNeeds({ modules: [anyModule] })).toBe('to be called by any module');
    expect(accessNeeds({ modules: ['ordering', 'payments'] })).toBe('to be called by ordering or payments');
  });
});
