import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runTool } from '../support/run-tool.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Every command an operator or developer runs with arguments; its entry file is the script's last word. */
const commands = [
  'extract',
  'events',
  'audit',
  'keys:rotate',
  'keys:module-secret',
  'keys:reencrypt',
  'db:provision',
  'db:migrate',
  'db:generate',
  'image',
  'openapi',
  'alerts',
  'k8s',
  'graph',
  'compliance',
  'client',
  'contracts:check',
  'lint:boundaries',
  'contracts:consumers',
  'new:module',
  'new:workflow',
];

// A database nobody listens on: a command that went past its arguments would fail differently.
const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing', LOG_LEVEL: 'warn' };

describe('every command line', { timeout: processTestTimeoutMs }, () => {
  // A reader that stops early (| head -1) closes the pipe; without this a write meets EPIPE and prints a stack trace.
  it.each(commands)('%s lets its output be cut short: its entry file calls ignoreClosedOutput()', (name) => {
    const entry = scripts[name]?.split(' ').at(-1) ?? '';
    expect(readFileSync(entry, 'utf8')).toMatch(/^ignoreClosedOutput\(\);$/m);
  });

  it.each(commands)('%s: --help and -h print the usage to stdout (exit 0); an unknown option prints it to stderr (exit 2)', async (name) => {
    const entry = scripts[name]?.split(' ').at(-1) ?? '';
    const [help, h, bogus] = await Promise.all([runTool(entry, ['--help'], env), runTool(entry, ['-h'], env), runTool(entry, ['--bogus'], env)]);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^usage: npm run ${name}\\b`));
    expect(h.status, h.stderr).toBe(0);
    expect(h.stdout).toBe(help.stdout);
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toContain('--bogus');
    expect(bogus.stderr).toMatch(new RegExp(`^usage: npm run ${name}\\b`, 'm'));
    expect(bogus.stdout).toBe('');
  });
});
