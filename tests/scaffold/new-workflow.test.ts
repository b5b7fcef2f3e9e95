import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToModule } from '../../tools/scaffold/workflow/add-to-module.ts';
import { runWorkflowCli } from '../../tools/scaffold/workflow/cli.ts';

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
    root = mkdtempSync(join(tmpdir(), 'cleave-new-workflow-'));
    mkdirSync(join(root, 'modules'));
    cpSync(resolve(import.meta.dirname, '../../modules/inventory'), join(root, 'modules/inventory'), { recursive: true });
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
  ])('%j', (args, message) => {
    const before = files();
    const err: string[] = [];
    expect(runWorkflowCli(args, { out: () => {}, err: (line) => err.push(line) }, root)).toBe(2);
    expect(err.join('\n')).toContain(message);
    expect(files()).toEqual(before);
  });

  it('a name already taken exits 2 and leaves the first one as it was', () => {
    const io = { out: () => {}, err: () => {} };
    expect(runWorkflowCli(['aggregate', 'inventory', 'shelf'], io, root)).toBe(0);
    const before = files();
    const err: string[] = [];
    expect(runWorkflowCli(['aggregate', 'inventory', 'shelf'], { out: () => {}, err: (line) => err.push(line) }, root)).toBe(2);
    expect(err.join('\n')).toContain('shelf.aggregate.ts already exists');
    expect(files()).toEqual(before);
  });
});
