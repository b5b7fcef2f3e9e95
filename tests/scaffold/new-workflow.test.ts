import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToModule } from '../../tools/scaffold/workflow/add-to-module.ts';
import { runWorkflowCli } from '../../tools/scaffold/workflow/cli.ts';
import { createTempDir } from '../support/temp-dir.ts';

const moduleSource = `import { defineModule } from '../../platform/host/index.ts';
import { thingRoutes } from './infrastructure/things.handlers.ts';

export const thingsModule = defineModule({
  name: 'things',
  uses: [],
  routes: (ctx) => thingRoutes(ctx),
});
`;

describe('addToModule', () => {
  it('adds the import and a new property before routes, then appends to it', () => {
    const once = addToModule(moduleSource, { property: 'sagas', binding: 'closeSaga', specifier: './application/close.saga.ts' });
    expect(once).toContain("import { thingRoutes } from './infrastructure/things.handlers.ts';\nimport { closeSaga } from './application/close.saga.ts';");
    expect(once).toContain('  uses: [],\n  sagas: [closeSaga],\n  routes: (ctx) => thingRoutes(ctx),');
    const twice = addToModule(once, { property: 'sagas', binding: 'openSaga', specifier: './application/open.saga.ts' });
    expect(twice).toContain('  sagas: [closeSaga, openSaga],');
  });

  it('refuses a binding already listed, a property that is not an array, and a file without defineModule', () => {
    const once = addToModule(moduleSource, { property: 'sagas', binding: 'closeSaga', specifier: './application/close.saga.ts' });
    expect(() => addToModule(once, { property: 'sagas', binding: 'closeSaga', specifier: './application/close.saga.ts' })).toThrow(/already imports/);
    const computed = moduleSource.replace('uses: [],', 'uses: [],\n  sagas: allSagas,');
    expect(() => addToModule(computed, { property: 'sagas', binding: 'closeSaga', specifier: './x.ts' })).toThrow(/not an array literal/);
    expect(() => addToModule('export const x = 1;\n', { property: 'sagas', binding: 'closeSaga', specifier: './x.ts' })).toThrow(/no `defineModule/);
  });
});

describe('npm run new:workflow refuses bad input with exit 2 and writes nothing', () => {
  let root: string;
  const files = () =>
    Object.fromEntries(
      readdirSync(join(root, 'modules'), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => [relative(root, join(e.parentPath, e.name)), readFileSync(join(e.parentPath, e.name), 'utf8')]),
    );
  beforeAll(() => {
    // inventory and ordering are copied (they are written to); the rest is linked so their module.ts loads.
    const repo = resolve(import.meta.dirname, '../..');
    root = createTempDir('new-workflow');
    mkdirSync(join(root, 'modules'));
    for (const shared of ['platform', 'node_modules', 'package.json']) symlinkSync(join(repo, shared), join(root, shared));
    for (const entry of readdirSync(join(repo, 'modules'), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (entry.name === 'inventory' || entry.name === 'ordering')
        cpSync(join(repo, 'modules', entry.name), join(root, 'modules', entry.name), { recursive: true });
      else symlinkSync(join(repo, 'modules', entry.name), join(root, 'modules', entry.name));
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    [['saga'], 'give a kind, a module and a name'],
    [['workflow', 'inventory', 'x'], 'unknown kind "workflow"'],
    [['saga', 'nowhere', 'restock'], 'no module "nowhere"'],
    [['saga', 'inventory', 'Restock_Now'], 'is not lower-case kebab-case'],
    [['projection', 'inventory', 'shelf-counts'], 'needs --from <aggregate>'],
    [['projection', 'inventory', 'shelf-counts', '--from', 'shelf'], 'no aggregate "shelf" in inventory'],
    [['saga', 'inventory', 'restock', '--from', 'shelf'], '--from is for projections only'],
    [['saga', 'inventory', 'restock', '--colour', 'red'], "Unknown option '--colour'"],
  ])('%j', async (args, message) => {
    const before = files();
    const err: string[] = [];
    expect(await runWorkflowCli(args, { out: () => {}, err: (line) => err.push(line) }, root)).toBe(2);
    expect(err.join('\n')).toContain(message);
    expect(files()).toEqual(before);
  });

  it('a name already taken exits 2 and leaves the first one as it was', async () => {
    const io = { out: () => {}, err: () => {} };
    expect(await runWorkflowCli(['aggregate', 'inventory', 'shelf'], io, root)).toBe(0);
    const before = files();
    const err: string[] = [];
    expect(await runWorkflowCli(['aggregate', 'inventory', 'shelf'], { out: () => {}, err: (line) => err.push(line) }, root)).toBe(2);
    expect(err.join('\n')).toContain('shelf.aggregate.ts already exists');
    expect(files()).toEqual(before);
  });

  it('a name an existing aggregate, projection or saga declares exits 2, wherever its file is', async () => {
    const before = files();
    for (const [kind, name] of [
      ['aggregate', 'order'],
      ['saga', 'order-detail'],
      ['aggregate', 'order-list'],
    ]) {
      const err: string[] = [];
      expect(await runWorkflowCli([kind!, 'ordering', name!], { out: () => {}, err: (line) => err.push(line) }, root)).toBe(2);
      expect(err.join('\n')).toContain(`ordering already has an aggregate, projection or saga named "${name}"`);
    }
    expect(files()).toEqual(before);
  });
});
