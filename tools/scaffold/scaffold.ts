import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { checkEntityName, checkModuleName, moduleNames, NameError, type ModuleNames } from './names.ts';
import { registerModule } from './register.ts';
import { contractFiles } from './templates/contract.ts';
import { coreFiles } from './templates/core.ts';
import { infrastructureFiles } from './templates/infrastructure.ts';
import { defaultDescription, moduleFiles, type ModuleFacts } from './templates/module.ts';

/** What the scaffold was asked for, once checked. */
export interface ModuleRequest {
  names: ModuleNames;
  facts: ModuleFacts;
}

/** Everything the scaffold will write, computed before anything is written. */
export interface ModulePlan {
  request: ModuleRequest;
  /** Paths relative to the root, with their content. */
  files: Map<string, string>;
  /** The new text of apps/modules.ts. */
  registry: string;
}

/** The command line's options; each has a default. */
export interface PlanOptions {
  /** The sample entity, singular kebab-case; `item` by default. */
  entity?: string | undefined;
  owner?: string | undefined;
  /** The cost centre; `cc-<name>` by default. */
  costCentre?: string | undefined;
  description?: string | undefined;
}

/** Where the module is registered, relative to the root. */
export const registryFile = 'apps/modules.ts';

/**
 * Checks a request against the tree at `root` and computes every file to write. Throws `NameError` (a bad or taken
 * name; the CLI exits 2) without touching the tree.
 */
export function planModule(root: string, module: string, options: PlanOptions): ModulePlan {
  checkModuleName(module);
  const entity = options.entity ?? 'item';
  checkEntityName(entity);
  if (!existsSync(join(root, 'modules'))) throw new NameError(`${root} has no modules/ folder; run this from the repository root.`);
  const taken = readdirSync(join(root, 'modules'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  if (taken.includes(module)) throw new NameError(`modules/${module}/ already exists; modules: ${taken.join(', ')}.`);
  if (existsSync(join(root, 'migrations', module))) throw new NameError(`migrations/${module}/ already exists; remove it or pick another name.`);
  if (!existsSync(join(root, registryFile))) throw new NameError(`${registryFile} is missing; run this from the repository root.`);

  const names = moduleNames(module, entity);
  const facts = {
    owner: singleLine('--owner', options.owner ?? `team-${module}`),
    costCentre: singleLine('--cost-centre', options.costCentre ?? `cc-${module}`),
    description: singleLine('--description', options.description ?? defaultDescription(names)),
  };
  let registry: string;
  try {
    registry = registerModule(readFileSync(join(root, registryFile), 'utf8'), { module, binding: `${names.module.camel}Module` });
  } catch (error) {
    throw new NameError(error instanceof Error ? error.message : String(error));
  }
  const files = new Map<string, string>();
  for (const group of [moduleFiles(names, facts), contractFiles(names), coreFiles(names), infrastructureFiles(names)]) {
    for (const [path, content] of Object.entries(group)) files.set(`modules/${module}/${path}`, content);
  }
  return { request: { names, facts }, files, registry };
}

function singleLine(option: string, value: string): string {
  if (value.trim() === '' || /[\r\n]/.test(value)) throw new NameError(`${option} must be one non-empty line.`);
  return value.trim();
}

/** Runs drizzle-kit for one module through tools/db-generate.ts; returns its output, throws when it fails. */
export type MigrationGenerator = (root: string, module: string) => string;

/** `npx tsx tools/db-generate.ts <module>` in `root`, as `npm run db:generate -- <module>` would. */
export const generateWithDrizzleKit: MigrationGenerator = (root, module) => {
  const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), 'tools/db-generate.ts', module], { cwd: root, encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) throw new Error(`tools/db-generate.ts ${module} exited with ${result.status ?? result.signal}:\n${output}`);
  return output;
};

/** What was written, relative to the root. */
export interface ScaffoldResult {
  files: string[];
  migrations: string[];
}

/**
 * Writes a plan into `root`: the module's files, its registration in apps/modules.ts, then its first migration.
 * If any step fails, everything written is taken back (the module and migrations folders removed, apps/modules.ts
 * restored) and the error is rethrown.
 */
export function applyPlan(root: string, plan: ModulePlan, generate: MigrationGenerator = generateWithDrizzleKit): ScaffoldResult {
  const module = plan.request.names.module.kebab;
  const moduleDir = join(root, 'modules', module);
  const migrationsDir = join(root, 'migrations', module);
  const registryPath = join(root, registryFile);
  const originalRegistry = readFileSync(registryPath, 'utf8');
  const hadMigrationsFolder = existsSync(join(root, 'migrations'));
  // Outside the try: if the folder appeared since the plan was made (another run), it is not ours to remove.
  mkdirSync(moduleDir, { recursive: false });
  try {
    for (const [path, content] of plan.files) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content, { flag: 'wx' });
    }
    writeFileSync(registryPath, plan.registry);
    generate(root, module);
    const migrations = existsSync(migrationsDir) ? readdirSync(migrationsDir).filter((f) => f.endsWith('.sql')) : [];
    if (migrations.length === 0 || !existsSync(join(migrationsDir, 'meta', '_journal.json'))) {
      throw new Error(`drizzle-kit wrote no migration into migrations/${module}/.`);
    }
    return { files: [...plan.files.keys()], migrations: migrations.map((f) => `migrations/${module}/${f}`) };
  } catch (error) {
    rmSync(moduleDir, { recursive: true, force: true });
    rmSync(migrationsDir, { recursive: true, force: true });
    if (!hadMigrationsFolder) rmSync(join(root, 'migrations'), { recursive: true, force: true });
    writeFileSync(registryPath, originalRegistry);
    throw error;
  }
}
