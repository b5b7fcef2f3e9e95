import { execFile } from 'node:child_process';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../tools/lint-boundaries/cli.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

describe('lint-boundaries command line', { timeout: processTestTimeoutMs }, () => {
  it('exits 0 with "boundaries ok (N files)" on a clean tree', async () => {
    const { code, out, err } = await run([join(fixtures, 'clean')]);

    expect(code).toBe(0);
    expect(out).toEqual(['boundaries ok (11 files)']);
    expect(err).toEqual([]);
  });

  it('exits 1 with one "file:line  rule-id  message  → alternative" line per finding and a summary', async () => {
    const { code, out } = await run([join(fixtures, 'module-internals')]);

    expect(code).toBe(1);
    expect(out[0]).toMatch(/^modules\/inventory\/application\/reserve-stock\.ts:3 {2}module-internals {2}\S.* {2}→ import it from modules\/<other>\/index\.ts/);
    expect(out[1]).toMatch(/^modules\/inventory\/infrastructure\/stock-repository\.ts:5 {2}module-internals /);
    expect(out.at(-1)).toBe('2 boundary violations in 2 of 6 files (module-internals: 2)');
  });

  it.each([
    ['a root without modules/', [join(fixtures, 'no-modules')], /^lint:boundaries: .*has no modules\/ folder/],
    ['a root that does not exist', [join(fixtures, 'does-not-exist')], /is not a directory/],
    ['two roots', [fixtures, fixtures], /^lint:boundaries: expected at most one root, got 2: /],
    ['an unknown option', ['--fix'], /^lint:boundaries: Unknown option '--fix'/],
    ['an unknown option beside --help', ['--help', '-x'], /^lint:boundaries: Unknown option '-x'/],
    ['a value given to --help', ['--help=yes'], /^lint:boundaries: Option '-h, --help' does not take an argument/],
  ])('exits 2 with a readable message on %s', async (_, args, message) => {
    const { code, out, err } = await run(args);

    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err[0]).toMatch(message);
    expect(err[1]).toMatch(/^usage: npm run lint:boundaries -- \[root\]/);
  });

  it.each([['--help'], ['-h'], ['--help', fixtures, fixtures]])('%j prints the usage to stdout and exits 0 (help wins over stray roots)', async (...args) => {
    const { code, out, err } = await run(args);

    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(/^usage: npm run lint:boundaries -- \[root\]/)]);
    expect(err).toEqual([]);
  });

  it('a root after -- is the root, as for every command (-- ends the options)', async () => {
    const { code, out, err } = await run(['--', join(fixtures, 'clean')]);

    expect(err).toEqual([]);
    expect(out).toEqual(['boundaries ok (11 files)']);
    expect(code).toBe(0);
  });

  it('main.ts sets the process exit code and prints to stdout', async () => {
    const main = join(repositoryRoot, 'tools/lint-boundaries/main.ts');
    const child = promisify(execFile)(process.execPath, ['--import', 'tsx', main, join(fixtures, 'module-cycle')], { cwd: repositoryRoot });

    await expect(child).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/^modules\/catalog\/application\/price\.ts:2 {2}module-cycle /m) });
  });
});
