import type { CheckContext, CheckRule, Dependency, Finding } from './types.ts';

const moduleOf = (path: string): string | undefined => /^modules\/([^/]+)\//.exec(path)?.[1];

/**
 * Rule `module-cycle`: builds the module graph (module a → module b when a file of a imports modules/b/index.ts) and
 * reports one finding per strongly connected component, at the import that starts one of its cycles.
 */
export function findModuleCycles(context: CheckContext, rule: CheckRule): Finding[] {
  const edges = moduleEdges(context.dependencies);
  return stronglyConnected(edges)
    .filter((component) => component.length > 1)
    .map((component) => {
      const cycle = shortestCycle(component, edges);
      const steps = cycle.slice(1).map((to, i) => {
        const dependency = edges.get(cycle[i] ?? '')?.get(to);
        return dependency ? `${to} (${locate(context, dependency)})` : to;
      });
      const first = edges.get(cycle[0] ?? '')?.get(cycle[1] ?? '');
      if (!first) throw new Error(`module-cycle: no edge ${cycle[0]} → ${cycle[1]}`);
      return {
        file: first.from,
        line: context.sources.importLine(first.from, first.specifier),
        ruleId: rule.id,
        message: `modules depend on each other in a cycle: ${cycle[0]} → ${steps.join(' → ')}`,
        allowed: rule.allowed,
      };
    });
}

/** a → (b → first import of modules/b/index.ts by a file of a). */
function moduleEdges(dependencies: readonly Dependency[]): Map<string, Map<string, Dependency>> {
  const edges = new Map<string, Map<string, Dependency>>();
  const sorted = [...dependencies].sort((x, y) => x.from.localeCompare(y.from));
  for (const dependency of sorted) {
    const from = moduleOf(dependency.from);
    const to = /^modules\/([^/]+)\/index\.ts$/.exec(dependency.to)?.[1];
    if (!from || !to || from === to) continue;
    const targets = edges.get(from) ?? new Map<string, Dependency>();
    if (!targets.has(to)) targets.set(to, dependency);
    edges.set(from, targets);
  }
  return edges;
}

function locate(context: CheckContext, dependency: Dependency): string {
  return `${dependency.from}:${context.sources.importLine(dependency.from, dependency.specifier)}`;
}

/** Tarjan's algorithm; each component sorted by name, components in a stable order. */
function stronglyConnected(edges: Map<string, Map<string, Dependency>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];

  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const next of [...(edges.get(node)?.keys() ?? [])].sort()) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    components.push(component.sort());
  };

  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return components.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

/** Shortest cycle through the first (alphabetical) member of a component, found breadth-first inside it. */
function shortestCycle(component: readonly string[], edges: Map<string, Map<string, Dependency>>): string[] {
  const start = component[0] ?? '';
  const members = new Set(component);
  const previous = new Map<string, string>();
  const queue = [start];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const next of [...(edges.get(node)?.keys() ?? [])].sort()) {
      if (next === start) {
        const path = [node];
        for (let at = previous.get(node); at !== undefined; at = previous.get(at)) path.unshift(at);
        return [...path, start];
      }
      if (members.has(next) && !previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [...component, start];
}
