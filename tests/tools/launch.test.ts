import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import type { ToolRun } from '../support/run-tool.ts';

const launcher = join(import.meta.dirname, '../../tools/start/launch.mjs');

/** `node tools/start/launch.mjs <entry> …` as `npm start` runs it, building into `outDir`. */
function launch(outDir: string, args: readonly string[]): Promise<ToolRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--enable-source-maps', launcher, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CLEAVE_START_DIR: outDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (status) => done({ status, stdout, stderr }));
  });
}

describe('npm start runs a bundle built only when its sources changed (tools/start/launch.mjs)', { timeout: processTestTimeoutMs }, () => {
  const dir = tempDir('launch');
  const app = join(dir, 'app');
  const out = join(dir, 'out');
  mkdirSync(join(app, 'data'), { recursive: true });
  const main = join(app, 'main.ts');
  const part = join(app, 'part.ts');
  writeFileSync(main, "import { greeting } from './part.ts';\nconst n: number = 1;\nconsole.log(greeting(n));\n");
  // A file read beside its source through import.meta.url, as migrations and the operations page's assets are.
  writeFileSync(
    part,
    "import { readFileSync } from 'node:fs';\nexport const greeting = (n: number) => `${readFileSync(new URL('./data/word.txt', import.meta.url), 'utf8')} ${n}`;\n",
  );
  writeFileSync(join(app, 'data', 'word.txt'), 'hello');
  const bundleOf = () => {
    const meta = readFileSync(`${out}/${readdirName(out)}`, 'utf8');
    return JSON.parse(meta) as { inputs: string[]; startedAt: number };
  };

  it('builds on the first start, and runs the program with files found beside their sources', async () => {
    const run = await launch(out, [main]);
    expect(run.stderr).toMatch(/^built .*\.mjs from 2 sources in \d+ ms\n$/);
    expect(run.stdout).toBe('hello 1\n');
    expect(run.status).toBe(0);
    expect(bundleOf().inputs.map((i) => i.split('/').at(-1))).toEqual(['part.ts', 'main.ts']);
  });

  it('import.meta.filename and import.meta.dirname name the source, not the bundle', async () => {
    const deep = join(app, 'deep dir');
    mkdirSync(deep, { recursive: true });
    const where = join(deep, 'where.ts');
    writeFileSync(where, 'console.log(JSON.stringify([import.meta.filename, import.meta.dirname]));\n');
    const run = await launch(join(dir, 'out-where'), [where]);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([where, deep]);
  });

  it('reuses the bundle while nothing changed', async () => {
    const before = bundleOf().startedAt;
    const run = await launch(out, [main]);
    expect(run).toEqual({ status: 0, stdout: 'hello 1\n', stderr: '' });
    expect(bundleOf().startedAt).toBe(before);
  });

  it('rebuilds after an imported file changed, and picks up a new import', async () => {
    writeFileSync(join(app, 'extra.ts'), "export const extra = '!';\n");
    writeFileSync(part, "import { extra } from './extra.ts';\nexport const greeting = (n: number) => `changed ${n}${extra}`;\n");
    // An edit within the clock's resolution of the last build still counts: the mtime is set past it.
    const later = new Date(Date.now() + 2000);
    utimesSync(part, later, later);
    const run = await launch(out, [main]);
    expect(run.stderr).toMatch(/^built .* from 3 sources/);
    expect(run.stdout).toBe('changed 1!\n');
    // The new file is a source now: changing it alone rebuilds.
    writeFileSync(join(app, 'extra.ts'), "export const extra = '?';\n");
    utimesSync(join(app, 'extra.ts'), new Date(Date.now() + 4000), new Date(Date.now() + 4000));
    expect((await launch(out, [main])).stdout).toBe('changed 1?\n');
  });

  it('--build-only builds and runs nothing', async () => {
    writeFileSync(main, "import { greeting } from './part.ts';\nconsole.log(greeting(2));\n");
    utimesSync(main, new Date(Date.now() + 6000), new Date(Date.now() + 6000));
    const run = await launch(out, [main, '--build-only']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^built /);
    expect(statSync(join(out, readdirName(out).replace('.meta.json', ''))).size).toBeGreaterThan(0);
  });

  it('a source that does not compile: the error with its place, exit 1, nothing run', async () => {
    writeFileSync(part, 'export const greeting = (n: number) => {\n');
    utimesSync(part, new Date(Date.now() + 8000), new Date(Date.now() + 8000));
    const run = await launch(out, [main]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('npm start: could not build');
    expect(run.stderr).toMatch(/part\.ts:\d+:\d+/);
    expect(run.stderr).toContain('Unexpected end of file');
  });

  it('a missing entry: a readable error, exit 1', async () => {
    const run = await launch(out, [join(app, 'nowhere.ts')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/could not build[\s\S]*nowhere\.ts/);
  });
});

/** The one `*.meta.json` the launcher wrote under `dir` (relative to it). */
function readdirName(dir: string): string {
  const found = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.meta.json'));
  if (found.length !== 1) throw new Error(`expected one metadata file in ${dir}, found ${found.join(', ')}`);
  return found[0] as string;
}
