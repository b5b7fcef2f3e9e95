import { instance } from '@viz-js/viz';

/**
 * Lays out DOT with Graphviz compiled to WebAssembly (@viz-js/viz): no system Graphviz needed, and the same
 * Graphviz build gives the same SVG on every machine. Throws on DOT that Graphviz rejects.
 *
 * @example
 * const svg = await renderSvg('digraph { a -> b }');
 */
export async function renderSvg(dot: string): Promise<string> {
  const viz = await instance();
  const svg = viz.renderString(dot, { format: 'svg', engine: 'dot' });
  return svg.endsWith('\n') ? svg : `${svg}\n`;
}
