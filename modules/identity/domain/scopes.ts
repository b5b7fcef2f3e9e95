/** The scopes each role of a user brings. A token carries at most these (and at most its client's). */
export const roleScopes: Record<string, readonly string[]> = {
  customer: ['profile', 'ordering:read', 'ordering:write', 'notifications:read'],
  staff: ['profile', 'catalog:write', 'inventory:read', 'inventory:write', 'payments:read', 'payments:write'],
  operator: ['profile', 'operator', 'inventory:read', 'payments:read'],
  admin: ['profile', 'operator', 'identity:admin', 'catalog:write', 'inventory:read', 'inventory:write', 'payments:read', 'payments:write'],
};

/** Every scope a token may carry: the roles' and those module clients call with. */
export const knownScopes: readonly string[] = [...new Set([...Object.values(roleScopes).flat(), 'catalog:read'])].sort();

/** The scopes a user with `roles` may hold. */
export function scopesOfRoles(roles: readonly string[]): Set<string> {
  return new Set(roles.flatMap((r) => roleScopes[r] ?? []));
}

/**
 * What a token gets: the requested scopes when every one is allowed, all allowed ones when none were requested.
 * Returns the refused scopes instead when some are not allowed (RFC 6749 lets a server narrow; refusing is clearer).
 */
export function grantScopes(requested: string | undefined, allowed: ReadonlySet<string>): { granted: string[] } | { refused: string[] } {
  const asked = (requested ?? '').split(' ').filter(Boolean);
  if (asked.length === 0) return { granted: [...allowed].sort() };
  const refused = asked.filter((s) => !allowed.has(s));
  return refused.length > 0 ? { refused } : { granted: [...new Set(asked)].sort() };
}
