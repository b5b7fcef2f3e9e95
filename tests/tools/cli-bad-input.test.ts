import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import process from 'node:process';
import { describe, expect, it } from 'vitest';
import { processTestTimeoutMs } from '../support/timeouts.ts';

const tsx = import.meta.resolve('tsx');

/** Runs a command's script with only a database nobody listens on (port 1: refused at once). */
const runWithUnreachableDatabase = (file: string, args: string[] = []) =>
  spawnSync(process.execPath, ['--import', tsx, resolve(file), ...args], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' },
    encoding: 'utf8',
    timeout: processTestTimeoutMs,
  });

describe('the key commands with a database they cannot reach', { timeout: processTestTimeoutMs }, () => {
  it.each([
    ['keys:rotate', 'apps/rotate-signing-key.ts'],
    ['keys:reencrypt', 'apps/reencrypt-data-keys.ts'],
  ])('%s says why in one line and exits 1, with no stack trace', (name, file) => {
    const result = runWithUnreachableDatabase(file);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^${name}: .*ECONNREFUSED 127\\.0\\.0\\.1:1`));
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('commands that take no arguments', { timeout: processTestTimeoutMs }, () => {
  it.each([
    ['db:migrate', 'apps/monolith/migrate.ts'],
    ['openapi', 'tools/contracts/generate.ts'],
  ])('%s refuses one with exit 2 before doing anything', (name, file) => {
    // Unreachable: had the command gone on, it would have failed differently (exit 1) on the database.
    const result = runWithUnreachableDatabase(file, ['--bogus']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${name}: takes no arguments, got --bogus`);
  });
});
