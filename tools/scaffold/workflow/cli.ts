import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgsOnce } from '../../../platform/cli/index.ts';
import type { CliIo } from '../cli.ts';
import { maxModuleNameLength, NameError, spell } from '../names.ts';
import { addToModule, type ModuleAddition } from './add-to-module.ts';
import { aggregateFiles, projectionFiles, sagaFiles, type WorkflowNames } from './templates.ts';

const USAGE = `usage: npm run new:workflow -- <kind> <module> <name> [--from <aggregate>]
  <kind>     aggregate | projection | saga
  <module>   an existing module under modules/
  <name>     lower-case kebab-case: the aggregate (ticket), projection (ticket-summaries) or saga (close-ticket)
  --from     for a projection: the aggregate it reads, scaffolded before as modules/<module>/application/<aggregate>.aggregate.ts
Writes modules/<module>/application/<name>.<kind>.ts and tests/<name>.<kind>.test.ts, and lists the definition in
the module's defineModule (aggregates, projections or sagas).`;

const kinds = {
  aggregate: { property: 'aggregates', files: aggregateFiles, suffix: 'Aggregate' },
  projection: { property: 'projections', files: projectionFiles, suffix: 'Projection' },
  saga: { property: 'sagas', files: sagaFiles, suffix: 'Saga' },
} as const;
type Kind = keyof typeof kinds;
const kebabCase = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** What `new:workflow` will write, checked against the tree before anything is written. */
interface WorkflowPlan {
  kind: Kind;
  moduleFile: string;
  moduleSource: string;
  files: Map<string, string>;
}

/**
 * Runs `new:workflow` as the command line does and returns the exit code: 0 written, 1 writing failed or the module
 * does not load (nothing left behind), 2 bad usage, an unknown module, an invalid or taken name (nothing written).
 */
export async function runWorkflowCli(args: readonly string[], io: CliIo, root: string): Promise<number> {
  let parsed;
  try {
    parsed = parseArgsOnce({ args: [...args], allowPositionals: true, options: { from: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    return usage(io, error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  const [kind, module, name, ...extra] = parsed.positionals;
  if (kind === undefined || module === undefined || name === undefined || extra.length > 0) return usage(io, 'give a kind, a module and a name');
  if (!(kind in kinds)) return usage(io, `unknown kind "${kind}": aggregate, projection or saga`);
  let plan: WorkflowPlan;
  try {
    plan = planWorkflow(root, kind as Kind, module, name, parsed.values.from);
  } catch (error) {
    if (!(error instanceof NameError)) throw error;
    io.err(`new:workflow: ${error.message}`);
    return 2;
  }
  let taken: Set<string>;
  try {
    taken = await namesInModule(root, module);
  } catch (error) {
    io.err(`new:workflow: cannot load modules/${module}/module.ts to see the names it uses: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  if (taken.has(name)) {
    io.err(`new:workflow: ${module} already has an aggregate, projection or saga named "${name}"; they would share its streams or state. Pick another name.`);
    return 2;
  }
  const written: string[] = [];
  try {
    for (const [path, content] of plan.files) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content, { flag: 'wx' });
      written.push(path);
    }
    writeFileSync(join(root, plan.moduleFile), plan.moduleSource);
  } catch (error) {
    for (const path of written) rmSync(join(root, path), { force: true });
    io.err(`new:workflow: ${error instanceof Error ? error.message : String(error)}; nothing was left behind.`);
    return 1;
  }
  for (const path of plan.files.keys()) io.out(`  wrote    ${path}`);
  io.out(`  listed   ${spell(name).camel}${kinds[plan.kind].suffix} in ${plan.moduleFile} (${kinds[plan.kind].property})`);
  io.out(`next: npx vitest run modules/${module}  (docs/operations/${plan.kind === 'saga' ? 'sagas' : 'event-sourcing'}.md explains the rules)`);
  return 0;
}

function planWorkflow(root: string, kind: Kind, module: string, name: string, from: string | undefined): WorkflowPlan {
  const moduleFile = `modules/${module}/module.ts`;
  if (!kebabCase.test(module) || !existsSync(join(root, moduleFile))) throw new NameError(`no module "${module}": ${moduleFile} does not exist.`);
  if (!kebabCase.test(name) || name.length > maxModuleNameLength) {
    throw new NameError(`"${name}" is not lower-case kebab-case of at most ${maxModuleNameLength} characters, e.g. close-ticket.`);
  }
  if (kind !== 'projection' && from !== undefined) throw new NameError('--from is for projections only.');
  if (kind === 'projection') {
    if (from === undefined) throw new NameError('a projection needs --from <aggregate>, the aggregate whose streams it reads.');
    if (!existsSync(join(root, `modules/${module}/application/${from}.aggregate.ts`))) {
      throw new NameError(`no aggregate "${from}" in ${module}: modules/${module}/application/${from}.aggregate.ts does not exist.`);
    }
  }
  const names: WorkflowNames = { module: spell(module), name: spell(name), from: from === undefined ? undefined : spell(from) };
  const files = new Map<string, string>();
  for (const [path, content] of Object.entries(kinds[kind].files(names))) {
    const full = `modules/${module}/${path}`;
    if (existsSync(join(root, full))) throw new NameError(`${full} already exists.`);
    files.set(full, content);
  }
  const addition: ModuleAddition = {
    property: kinds[kind].property,
    binding: `${names.name.camel}${kinds[kind].suffix}`,
    specifier: `./application/${name}.${kind}.ts`,
  };
  let moduleSource: string;
  try {
    moduleSource = addToModule(readFileSync(join(root, moduleFile), 'utf8'), addition);
  } catch (error) {
    throw new NameError(error instanceof Error ? error.message : String(error));
  }
  return { kind, moduleFile, moduleSource, files };
}

/**
 * The `name`s of the aggregates, projections and sagas the module's definition lists today. Loaded, not read from
 * the file paths: a hand-written aggregate may sit anywhere (ordering's `order` is in infrastructure/).
 */
async function namesInModule(root: string, module: string): Promise<Set<string>> {
  const exports = (await import(pathToFileURL(join(root, `modules/${module}/module.ts`)).href)) as Record<string, unknown>;
  const definition = Object.values(exports).find((value): value is Record<string, unknown> => {
    return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === module;
  });
  if (!definition) throw new Error(`it exports no defineModule({ name: '${module}' }).`);
  const names = new Set<string>();
  for (const property of ['aggregates', 'projections', 'sagas'] as const) {
    const list = definition[property];
    if (!Array.isArray(list)) continue;
    for (const entry of list as unknown[]) {
      const name = (entry as { name?: unknown } | null)?.name;
      if (typeof name === 'string') names.add(name);
    }
  }
  return names;
}

function usage(io: CliIo, message: string): number {
  io.err(`new:workflow: ${message}`);
  io.err(USAGE);
  return 2;
}
