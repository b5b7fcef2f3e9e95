import type { ModuleGraph } from './module-graph.ts';

export interface DotOptions {
  /** The caption above the graph. */
  title?: string;
}

const callColour = '#2c3e50';
const eventColour = '#8e44ad';

/**
 * The graph in Graphviz DOT: modules as boxes (name, version, owner), calls as solid edges labelled with the
 * provider's operations, events as dashed edges labelled `event@vN`. Deterministic text for a given graph.
 *
 * @example
 * const dot = toDot(moduleGraph(modules)); // 'digraph modules { … }'
 */
export function toDot(graph: ModuleGraph, options: DotOptions = {}): string {
  const title = options.title ?? 'Cleave modules: calls (solid, caller → provider) and events (dashed, producer → consumer)';
  const lines = [
    'digraph modules {',
    `  graph [rankdir=LR, nodesep=0.8, ranksep=2.2, fontname="Helvetica", fontsize=12, labelloc=t, label=${quote(title)}];`,
    '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", color="#4a6fa5", fontname="Helvetica", fontsize=12, margin="0.25,0.12"];',
    '  edge [fontname="Helvetica", fontsize=10, arrowsize=0.8];',
    ...graph.modules.map((m) => `  ${quote(m.name)} [label=${quote(`${m.name}\nv${m.version}\nowner: ${m.owner}`)}];`),
    ...graph.calls.map(
      (c) =>
        `  ${quote(c.from)} -> ${quote(c.to)} [style=solid, color=${quote(callColour)}, fontcolor=${quote(callColour)}, label=${quote(['calls', ...c.operations].join('\n'))}];`,
    ),
    ...graph.events.map(
      (e) =>
        `  ${quote(e.from)} -> ${quote(e.to)} [style=dashed, color=${quote(eventColour)}, fontcolor=${quote(eventColour)}, label=${quote(e.events.join('\n'))}];`,
    ),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

/** A DOT double-quoted string; line breaks become centred label lines. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}
