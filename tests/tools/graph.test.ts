import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modules } from '../../apps/modules.ts';
import { runCli } from '../../tools/graph/cli.ts';
import { moduleGraph, type GraphModule } from '../../tools/graph/module-graph.ts';
import { toDot } from '../../tools/graph/render-dot.ts';
import { renderSvg } from '../../tools/graph/render-svg.ts';
import { tempDir } from '../support/temp-dir.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import { toolArgv } from '../support/tool-bundles.ts';

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) }, modules);
  return { code, out, err };
}

/**
 * Checks that `xml` is well-formed (balanced, properly nested tags, quoted attributes, valid entity references,
 * one root element) and returns the root element's name. Enough for Graphviz output; not a general XML parser.
 */
function wellFormedRoot(xml: string): string {
  const body = xml
    .replace(/^<\?xml[^?]*\?>/, '')
    .replace(/<!DOCTYPE[^>[]*>/, '')
    .replace(/<!--[\s\S]*?-->/g, '');
  const entity = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const tag = /^<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>$/;
  const stack: string[] = [];
  const roots: string[] = [];
  let last = 0;
  for (const match of body.matchAll(/<[^>]*>/g)) {
    const text = body.slice(last, match.index);
    if (text.includes('<') || entity.test(text) || (stack.length === 0 && text.trim() !== ''))
      throw new Error(`bad text before offset ${match.index}: ${text}`);
    const parts = tag.exec(match[0]);
    if (!parts || entity.test(parts[3] ?? '')) throw new Error(`malformed tag ${match[0]}`);
    const [, closing, name = '', , selfClosing] = parts;
    if (closing) {
      if (stack.pop() !== name) throw new Error(`</${name}> closes nothing open`);
    } else {
      if (stack.length === 0) roots.push(name);
      if (!selfClosing) stack.push(name);
    }
    last = match.index + match[0].length;
  }
  if (stack.length > 0 || body.slice(last).trim() !== '') throw new Error(`unclosed: ${stack.join(' > ')}`);
  if (roots.length !== 1) throw new Error(`expected one root element, got ${roots.join(', ')}`);
  return roots[0] as string;
}

/** The text content of each `<text>` element, entities decoded. */
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1] ?? ''));
const decode = (text: string) =>
  text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&(lt|gt|quot|apos);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'" })[name] ?? '')
    .replace(/&amp;/g, '&');
/** Each edge of the SVG by its title (`from->to`), with whether it is drawn dashed. */
const edges = (svg: string) =>
  Object.fromEntries(
    [...svg.matchAll(/<g id="edge\d+" class="edge">\s*<title>([^<]*)<\/title>([\s\S]*?)<\/g>/g)].map((m) => [
      decode(m[1] ?? ''),
      { dashed: (m[2] ?? '').includes('stroke-dasharray') },
    ]),
  );

const fixture = (m: Partial<GraphModule> & { name: string }): GraphModule => ({
  version: '1.0.0',
  owner: `team-${m.name}`,
  contract: { module: m.name, routes: {}, events: [] },
  ...m,
});
const event = (name: string, version = 1) => ({ name, version });

describe('moduleGraph', () => {
  it('the real modules: inventory and ordering call catalog, ordering calls inventory and payments, three modules call identity, events flow to inventory and notifications, erasures to every module holding customers', () => {
    const graph = moduleGraph(modules);

    expect(graph.modules).toEqual(
      expect.arrayContaining([
        { name: 'catalog', version: '1.0.0', owner: 'team-merchandising' },
        { name: 'inventory', version: '1.0.0', owner: 'team-fulfilment' },
      ]),
    );
    expect(graph.modules).toHaveLength(modules.length);
    // An edge per module a module `uses`, naming the operations of its contract.
    // Payments, ordering and notifications also call identity: each confirms its part of an erasure.
    expect(graph.calls.map((c) => `${c.from}->${c.to}`)).toEqual([
      'inventory->catalog',
      'payments->identity',
      'ordering->catalog',
      'ordering->inventory',
      'ordering->payments',
      'ordering->identity',
      'notifications->identity',
    ]);
    expect(graph.calls[0]).toEqual({
      from: 'inventory',
      to: 'catalog',
      operations: ['createProduct', 'listProducts', 'getProduct', 'updateProduct', 'archiveProduct'],
    });
    expect(graph.events).toEqual([
      { from: 'catalog', to: 'inventory', events: ['catalog.product-created@v2', 'catalog.product-updated@v1', 'catalog.product-archived@v1'] },
      { from: 'identity', to: 'payments', events: ['identity.user-erased@v1'] },
      { from: 'identity', to: 'ordering', events: ['identity.user-erased@v1'] },
      { from: 'ordering', to: 'notifications', events: ['ordering.order-confirmed@v1', 'ordering.order-rejected@v1'] },
      { from: 'payments', to: 'notifications', events: ['payments.payment-refunded@v1'] },
      { from: 'identity', to: 'notifications', events: ['identity.user-erased@v1'] },
    ]);
  });

  it('one event edge per producer and consumer, each event version once; unpublished events go to the module they are named after', () => {
    const orderPlaced = event('ordering.order-placed');
    const graph = moduleGraph([
      fixture({ name: 'ordering', contract: { module: 'ordering', routes: { placeOrder: {} }, events: [orderPlaced, event('ordering.order-placed', 2)] } }),
      fixture({
        name: 'payments',
        uses: [{ module: 'ordering', routes: { placeOrder: {} } }],
        subscriptions: [
          { event: orderPlaced, handler: 'charge' },
          { event: orderPlaced, handler: 'audit' },
          { event: event('ordering.order-placed', 2), handler: 'charge-v2' },
          { event: event('shipping.parcel-sent'), handler: 'settle' },
        ],
      }),
    ]);

    expect(graph.calls).toEqual([{ from: 'payments', to: 'ordering', operations: ['placeOrder'] }]);
    expect(graph.events).toEqual([
      { from: 'ordering', to: 'payments', events: ['ordering.order-placed@v1', 'ordering.order-placed@v2'] },
      { from: 'shipping', to: 'payments', events: ['shipping.parcel-sent@v1'] },
    ]);
  });
});

describe('toDot', () => {
  it('draws calls solid with the operations and events dashed with event@vN', () => {
    const dot = toDot(moduleGraph(modules));

    expect(dot).toContain('"catalog" [label="catalog\\nv1.0.0\\nowner: team-merchandising"];');
    expect(dot).toMatch(
      /"inventory" -> "catalog" \[style=solid, .*label="calls\\ncreateProduct\\nlistProducts\\ngetProduct\\nupdateProduct\\narchiveProduct"\];/,
    );
    expect(dot).toMatch(
      /"catalog" -> "inventory" \[style=dashed, .*label="catalog\.product-created@v2\\ncatalog\.product-updated@v1\\ncatalog\.product-archived@v1"\];/,
    );
  });

  it('quotes what Graphviz and SVG treat specially, so any owner name renders', async () => {
    const svg = await renderSvg(toDot(moduleGraph([fixture({ name: 'billing', owner: 'R&D "core" <team> \\ ops' })])));

    expect(wellFormedRoot(svg)).toBe('svg');
    expect(texts(svg)).toContain('owner: R&D "core" <team> \\ ops');
  });
});

describe('the well-formedness check', () => {
  it.each([
    ['<svg><g></svg>', /closes nothing open/],
    ['<svg><g>', /unclosed/],
    ['<svg><text>R&D</text></svg>', /bad text/],
    ['<svg width=1></svg>', /malformed tag/],
    ['<svg/><svg/>', /one root element/],
  ])('rejects %s', (xml, message) => expect(() => wellFormedRoot(xml)).toThrow(message));
});

describe('npm run graph', { timeout: processTestTimeoutMs }, () => {
  it('the committed docs/module-graph.svg is a fresh render of the modules (run npm run graph if this fails)', async () => {
    const committed = readFileSync('docs/module-graph.svg', 'utf8');

    expect(committed).toBe(await renderSvg(toDot(moduleGraph(modules))));
    expect(wellFormedRoot(committed)).toBe('svg');
    expect(texts(committed)).toEqual(
      expect.arrayContaining([
        'catalog',
        'inventory',
        'v1.0.0',
        'owner: team-merchandising',
        'owner: team-fulfilment',
        'getProduct',
        'catalog.product-created@v2',
        'catalog.product-updated@v1',
        'catalog.product-archived@v1',
      ]),
    );
    expect(edges(committed)).toEqual({
      'inventory->catalog': { dashed: false },
      'ordering->catalog': { dashed: false },
      'ordering->inventory': { dashed: false },
      'ordering->payments': { dashed: false },
      'ordering->identity': { dashed: false },
      'payments->identity': { dashed: false },
      'notifications->identity': { dashed: false },
      'catalog->inventory': { dashed: true },
      'ordering->notifications': { dashed: true },
      'payments->notifications': { dashed: true },
      'identity->notifications': { dashed: true },
      'identity->ordering': { dashed: true },
      'identity->payments': { dashed: true },
    });
    expect(await run(['--check'])).toMatchObject({ code: 0 });
  });

  it('writes the SVG where --out says, and --check fails once it is stale', async () => {
    const out = join(tempDir('graph'), 'nested', 'graph.svg');

    expect(await run(['--out', out])).toMatchObject({ code: 0, out: [`graph: wrote ${out} (${modules.length} modules)`] });
    expect(readFileSync(out, 'utf8')).toBe(readFileSync('docs/module-graph.svg', 'utf8'));
    writeFileSync(out, '<svg/>\n');
    expect(await run(['--out', out, '--check'])).toMatchObject({
      code: 1,
      err: [`graph: ${out} is out of date with the modules; run npm run graph -- --out ${out}`],
    });
  });

  it('--dot prints the DOT source, or writes it where --out says and prints nothing of it', async () => {
    const dot = toDot(moduleGraph(modules));
    expect(await run(['--dot'])).toMatchObject({ code: 0, out: [dot.trimEnd()], err: [] });
    const dir = tempDir('graph');
    const out = join(dir, 'nested', 'graph.dot');
    expect(await run(['--dot', '--out', out])).toEqual({ code: 0, out: [`graph: wrote ${out} (DOT source)`], err: [] });
    expect(readFileSync(out, 'utf8')).toBe(dot);
    writeFileSync(join(dir, 'afile'), '');
    expect(await run(['--dot', '--out', join(dir, 'afile', 'x.gv')])).toEqual({
      code: 1,
      out: [],
      err: [`graph: cannot write ${join(dir, 'afile', 'x.gv')}: ${join(dir, 'afile')} is a file, not a folder`],
    });
  });

  it.each([
    [['--colour'], "Unknown option '--colour'"],
    [['--dot', '--out', 'docs/graph.svg'], '--out with --dot must name a .dot or .gv file, got "docs/graph.svg"'],
    [['--out', 'a.svg', '--out', 'b.svg'], '--out given more than once ("a.svg", "b.svg"): give it once'],
    [['docs/x.svg'], "Unexpected argument 'docs/x.svg'"],
    [['--out', 'docs/graph.png'], '--out must name an .svg file, got "docs/graph.png"'],
    [['--out'], "Option '--out <value>' argument missing"],
    [['--dot', '--check'], '--dot and --check do not go together'],
  ])('bad arguments %j exit 2 with a readable message and the usage', async (args, message) => {
    const { code, err } = await run(args);

    expect(code).toBe(2);
    expect(err[0]).toContain(message);
    expect(err[1]).toMatch(/^usage: npm run graph/);
  });

  it('an --out it cannot write exits 1 with one line naming it', async () => {
    const dir = tempDir('graph');
    writeFileSync(join(dir, 'afile'), '');
    const { code, err } = await run(['--out', join(dir, 'afile', 'x.svg')]);
    expect(code).toBe(1);
    expect(err).toEqual([`graph: cannot write ${join(dir, 'afile', 'x.svg')}: ${join(dir, 'afile')} is a file, not a folder`]);
  });

  it('the command exits 2 on bad arguments', () => {
    const result = spawnSync(process.execPath, [...toolArgv('tools/graph/generate.ts'), '--colour'], {
      encoding: 'utf8',
      timeout: processTestTimeoutMs,
    });

    expect(result.status).toBe(2);
    expect(result.stderr).toContain("graph: Unknown option '--colour'");
  });
});
