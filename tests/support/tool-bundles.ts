import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import process from 'node:process';

const root = resolve(import.meta.dirname, '../..');
const launcher = resolve(root, 'tools/start/launch.mjs');

/**
 * Entries that stay on tsx: new:workflow imports the module it extends (`modules/<name>/module.ts`, a path known only
 * at run time), which plain Node cannot load.
 */
const needTsx = new Set(['tools/scaffold/new-workflow.ts']);

/**
 * The entry files of the package scripts that run a TypeScript file through tsx (`"events": "tsx tools/events/main.ts"`),
 * and the hosts the suites start in processes (startProcessHost bundles them): the monolith, each extracted module's
 * entry, the test probe.
 */
export function bundleEntries(): string[] {
  const { scripts } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const tools = Object.values(scripts)
    .map((command) => /^tsx (\S+\.ts)$/.exec(command)?.[1])
    .filter((entry): entry is string => entry !== undefined && !needTsx.has(entry));
  const extracted = readdirSync(resolve(root, 'apps/extracted')).map((module) => `apps/extracted/${module}/main.ts`);
  const hosts = ['apps/monolith/main.ts', ...extracted, 'tests/support/probe/main.ts'].filter((entry) => existsSync(resolve(root, entry)));
  return [...new Set([...tools, ...hosts])];
}

/** The variable through which the global setup tells the test processes which entries it bundled. */
const bundledVariable = 'CLEAVE_TEST_BUNDLED_TOOLS';

/**
 * A vitest global setup (`npm test`'s, `test:integration`'s and `test:tools`'): bundles every command's and host's
 * entry once with tools/start/launch.mjs (`--build-only`, two at a time; nothing to do for a bundle whose sources did not change), so
 * the suites that run commands by the hundred start each from one JavaScript file, as `npm start` does, instead of
 * transforming several hundred files through tsx every time: 0.3 to 0.6 s a start instead of 0.9 to 1.5 s on an idle
 * machine. Process hosts started beside each other then find their bundle built, rather than all building it at once.
 */
export async function setup(): Promise<void> {
  // A run that starts no command (the scaffold test's nested run of the new module's tests) can skip the builds.
  if (process.env.CLEAVE_TEST_TOOL_BUNDLES === 'off') return;
  const entries = bundleEntries();
  const built: string[] = [];
  const build = (entry: string) =>
    new Promise<void>((done) => {
      const child = spawn(process.execPath, [launcher, entry, '--build-only'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('exit', (code) => {
        // A command that does not build stays on tsx, where its test shows the error the way a user would meet it.
        if (code === 0) built.push(entry);
        else process.stderr.write(`  could not bundle ${entry}, its tests run it through tsx:\n${stderr}\n`);
        done();
      });
    });
  const queue = [...entries];
  await Promise.all(
    [0, 1].map(async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) await build(entry);
    }),
  );
  process.env[bundledVariable] = built.join(',');
}

const bundled = new Set((process.env[bundledVariable] ?? '').split(',').filter(Boolean));

/**
 * The arguments for `node` that run a command's entry file as `npm run` does: its prebuilt bundle through the launcher
 * when the global setup made one (the launcher rebuilds it if a source changed since), else the file through tsx.
 */
export function toolArgv(file: string): string[] {
  const entry = resolve(root, file);
  const relativeEntry = entry.slice(root.length + 1);
  if (bundled.has(relativeEntry) && existsSync(launcher)) return [launcher, entry];
  return ['--import', import.meta.resolve('tsx'), entry];
}
