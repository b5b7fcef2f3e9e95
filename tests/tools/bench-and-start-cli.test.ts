import { spawn } from 'node:child_process';
// eslint-disable-next-line no-restricted-imports -- its folder is in dist/ inside the repository (the bundle finds node_modules there), not in /tmp
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runTool, type ToolRun } from '../support/run-tool.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

const tsxCli = fileURLToPath(import.meta.resolve('tsx/cli'));
const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

/** How a bench is run: its npm script, or `npx tsx <file>` for those without one. */
const npmRun = (name: string) => `npm run ${name}`;
const npxTsx = (file: string) => `npx tsx ${file}`;

/** The benchmarks: each takes no arguments, only BENCH_* settings, and must refuse one before it starts a server. */
const benches: [command: string, setting: string][] = [
  [npmRun('bench'), 'BENCH_TARGETS'],
  [npmRun('bench:calls'), 'BENCH_CALLS'],
  [npmRun('bench:events'), 'BENCH_DATABASES'],
  [npmRun('bench:start'), 'BENCH_ROUNDS'],
  [npmRun('bench:checkout'), 'BENCH_CUSTOMERS'],
  [npxTsx('bench/audit.bench.ts'), 'BENCH_ACTIONS'],
  [npxTsx('bench/event-sourcing.bench.ts'), 'BENCH_ROUNDS'],
];

/** The file a bench's command runs: the script's last word, or the file after `npx tsx`. */
const entryOf = (command: string) => (command.startsWith('npm run ') ? scripts[command.slice('npm run '.length)] : command)?.split(' ').at(-1) ?? '';

// Nothing to reach: a bench that went past its arguments would fail differently (and later).
const env = { BENCH_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing', BENCH_REDIS_URL: 'redis://127.0.0.1:1', LOG_LEVEL: 'warn' };

describe('the benchmarks and npm start read their arguments as every command does', { timeout: processTestTimeoutMs }, () => {
  it.each(benches)('%s: --help and -h list its %s setting (exit 0); an option or an argument gets the usage on stderr (exit 2)', async (command, setting) => {
    const entry = entryOf(command);
    const [help, h, bogus, positional] = await Promise.all([
      runTool(entry, ['--help'], env),
      runTool(entry, ['-h'], env),
      runTool(entry, ['--bogus'], env),
      runTool(entry, ['now'], env),
    ]);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout.startsWith(`usage: ${command}\n`), help.stdout).toBe(true);
    expect(help.stdout).toContain(setting);
    expect(h).toEqual(help);
    for (const refused of [bogus, positional]) {
      expect(refused.status, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(`\nusage: ${command}\n`);
      expect(refused.stdout).toBe('');
    }
    expect(bogus.stderr).toContain('--bogus');
    expect(positional.stderr).toContain('now');
  });

  // Inside the repository, so the bundle finds the packages in node_modules (they stay external).
  mkdirSync('dist', { recursive: true });
  const dir = mkdtempSync(join('dist', 'cli-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `npm start -- <args>`: the start script's node command, its bundle built into a folder of this test's own. */
  function start(args: readonly string[]): Promise<ToolRun> {
    const [command, ...scriptArgs] = (scripts.start ?? '').split(' ');
    expect(command).toBe('node');
    return new Promise((done) => {
      const child = spawn(process.execPath, [...scriptArgs, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, CLEAVE_START_DIR: dir, PORT: '47431', DATA_DIR: 'memory', LOG_LEVEL: 'warn' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('exit', (status) => done({ status, stdout, stderr }));
    });
  }

  it('npm start -- --help prints the usage with the settings it reads (exit 0); an unknown option is refused (exit 2), the server never starts', async () => {
    // One after the other: the first builds the bundle, the others find it fresh.
    const help = await start(['--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm start\b/);
    expect(help.stdout).toContain('DATABASE_URL');
    const h = await start(['-h']);
    expect(h).toEqual({ status: 0, stdout: help.stdout, stderr: '' });
    const bogus = await start(['--bogus']);
    expect(bogus.status).toBe(2);
    expect(bogus.stdout).toBe('');
    expect(bogus.stderr).toMatch(/^start: .*--bogus/);
    expect(bogus.stderr).toContain('usage: npm start');
  });

  /**
   * `npm run dev -- <args>`: the dev script's tsx command, in a process group of its own. Stopped (null status) if still
   * running after 30 s: `tsx watch` would go on watching after the program printed its usage.
   */
  function dev(args: readonly string[]): Promise<ToolRun> {
    const [command, ...scriptArgs] = (scripts.dev ?? '').split(' ');
    expect(command).toBe('tsx');
    return new Promise((done) => {
      const child = spawn(process.execPath, [tsxCli, ...scriptArgs, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        env: { ...process.env, PORT: '47432', DATA_DIR: 'memory', LOG_LEVEL: 'warn' },
      });
      const timer = setTimeout(() => process.kill(-(child.pid ?? 0), 'SIGKILL'), 30_000);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('exit', (status) => {
        clearTimeout(timer);
        done({ status, stdout, stderr });
      });
    });
  }

  it('npm run dev -- --help prints the start usage and ends (exit 0); an unknown option or an argument ends with exit 2, nothing watched', async () => {
    const [help, h, bogus, positional] = await Promise.all([dev(['--help']), dev(['-h']), dev(['--bogus']), dev(['now'])]);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm start\b/);
    expect(help.stdout).toContain('npm run dev');
    expect(h).toEqual(help);
    for (const refused of [bogus, positional]) {
      expect(refused.status, refused.stderr).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain('\nusage: npm start');
    }
    expect(bogus.stderr).toMatch(/^dev: .*--bogus/);
    expect(positional.stderr).toMatch(/^dev: takes no arguments, got now/);
  });
  it('bench/profile-summary.ts: --help (exit 0); a missing profile, a folder without one or a bad --top is one line and the usage (exit 2)', async () => {
    const empty = mkdtempSync(join('dist', 'profiles-'));
    try {
      const [help, missing, none, top, nothing] = await Promise.all([
        runTool('bench/profile-summary.ts', ['--help']),
        runTool('bench/profile-summary.ts', ['no-such.cpuprofile']),
        runTool('bench/profile-summary.ts', [empty]),
        runTool('bench/profile-summary.ts', [empty, '--top', 'x']),
        runTool('bench/profile-summary.ts', []),
      ]);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('usage: npx tsx bench/profile-summary.ts');
      for (const [run, says] of [
        [missing, 'profile-summary: no such file or folder: no-such.cpuprofile'],
        [none, `profile-summary: no .cpuprofile file in ${empty}`],
        [top, 'profile-summary: --top must be a whole number from 1 to 10000, got "x"'],
        [nothing, 'profile-summary: name the profiles'],
      ] as const) {
        expect(run.status, run.stderr).toBe(2);
        expect(run.stderr.startsWith(says), run.stderr).toBe(true);
        expect(run.stderr).not.toMatch(/^\s+at /m);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
