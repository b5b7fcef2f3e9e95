import { operatorScope } from '../http/index.ts';
import { routeMetadataOf } from '../http/route.ts';
import type { ModuleDefinition } from './define-module.ts';

/**
 * What the modules' routes declare about access, read once at start-up: every scope they name (what the identity
 * module may grant), and a refusal to start when a route declares nothing.
 */

/** Every scope the modules' routes declare, and the operator's. */
export function declaredScopes(modules: readonly ModuleDefinition[]): string[] {
  const scopes = new Set<string>([operatorScope]);
  for (const m of modules) {
    for (const route of Object.values(m.contract.routes)) {
      const access = routeMetadataOf(route)?.access;
      if (access && access !== 'public') for (const s of access.scopes ?? []) scopes.add(s);
    }
  }
  return [...scopes].sort();
}

/** What the build declares, read once at start-up and handed to every module's context. */
export interface BuildDeclarations {
  /** Every scope the modules' routes declare, and the operator's. */
  scopes: readonly string[];
  /** The modules of the build that subscribe to an event (by name), wherever they run, sorted. */
  consumersOf(event: string): readonly string[];
}

/** The scopes and event consumers the build's modules declare. */
export function buildDeclarations(modules: readonly ModuleDefinition[]): BuildDeclarations {
  const consumers = new Map<string, Set<string>>();
  for (const m of modules) for (const s of m.subscriptions ?? []) consumers.set(s.event.name, (consumers.get(s.event.name) ?? new Set()).add(m.name));
  return { scopes: declaredScopes(modules), consumersOf: (event) => [...(consumers.get(event) ?? [])].sort() };
}

/** Every contract route says who may call it (`contractRoute({ access })`): a host does not start with one that does not. */
export function refuseUndeclaredAccess(modules: readonly ModuleDefinition[]): void {
  const undeclared = modules.flatMap((m) =>
    Object.entries(m.contract.routes)
      .filter(([, route]) => routeMetadataOf(route)?.access === undefined)
      .map(([name, route]) => `${m.name}.${name} (${route.method.toUpperCase()} ${route.path})`),
  );
  if (undeclared.length > 0)
    throw new Error(
      `These routes declare no access, so nobody could tell who may call them: ${undeclared.join(', ')}. Declare each with contractRoute({ access: 'public' | { scopes, modules } }).`,
    );
}
