import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

const tool = resolve('tools/extract.ts');
// Runs from other folders, so tsx is named by its resolved URL rather than looked up from the working directory.
const tsx = import.meta.resolve('tsx');
const extract = (args: string[], cwd = process.cwd()) =>
  spawnSync(process.execPath, ['--import', tsx, tool, ...args], { cwd, encoding: 'utf8', timeout: processTestTimeoutMs });

describe('npm run extract', { timeout: processTestTimeoutMs }, () => {
  it('writes the entry point and notes, and prints the configuration of both sides', () => {
    const cwd = tempDir('extract');
    const result = extract(['inventory', '--port', '3005'], cwd);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('MODULES=catalog');
    expect(result.stdout).toContain('REMOTE_MODULES=inventory=http://127.0.0.1:3005');
    expect(result.stdout).toContain('REMOTE_MODULES=catalog=http://127.0.0.1:3000');
    const main = readFileSync(join(cwd, 'apps/extracted/inventory/main.ts'), 'utf8');
    expect(main).toContain("MODULES: 'inventory'");
    const notes = readFileSync(join(cwd, 'apps/extracted/inventory/README.md'), 'utf8');
    expect(notes).toContain('pg_dump --schema=inventory');
    expect(notes).toContain('Consumes events of (through BullMQ): catalog');
  });

  it('for identity, both sides get the module client key and no module secret is asked for', () => {
    const cwd = tempDir('extract');
    const result = extract(['identity', '--port', '3006'], cwd);
    expect(result.status).toBe(0);
    // Identity derives every module's secret from the key; a secret from keys:module-secret left it unable to do so.
    expect(result.stdout).not.toContain('IDENTITY_CLIENT_SECRET');
    expect(result.stdout.match(/^ *MODULE_CLIENT_KEY=/gm)).toHaveLength(2);
    const inventory = extract(['inventory', '--port', '3005'], tempDir('extract'));
    expect(inventory.stdout).toContain('INVENTORY_CLIENT_SECRET=');
    // The monolith's key, and an explicit empty one for the extracted module (not left to whatever the shell holds).
    expect(inventory.stdout.match(/^ *MODULE_CLIENT_KEY=/gm)).toHaveLength(2);
    expect(inventory.stdout).toMatch(/^ *MODULE_CLIENT_KEY=<empty> \(only identity holds the key/m);
  });

  it('the committed apps/extracted/inventory is exactly what the tool writes', () => {
    const cwd = tempDir('extract');
    expect(extract(['inventory'], cwd).status).toBe(0);
    for (const file of ['main.ts', 'README.md']) {
      expect(readFileSync(join(cwd, 'apps/extracted/inventory', file), 'utf8')).toBe(readFileSync(join('apps/extracted/inventory', file), 'utf8'));
    }
  });

  it('refuses to overwrite a hand-edited file without --force', () => {
    const cwd = tempDir('extract');
    extract(['inventory'], cwd);
    writeFileSync(join(cwd, 'apps/extracted/inventory/main.ts'), '// edited\n');
    const refused = extract(['inventory'], cwd);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('exists and differs');
    expect(readFileSync(join(cwd, 'apps/extracted/inventory/main.ts'), 'utf8')).toBe('// edited\n');
    // Nothing is written when any file would be refused: here the notes differ (another port) and main.ts is gone.
    rmSync(join(cwd, 'apps/extracted/inventory/main.ts'));
    const notes = readFileSync(join(cwd, 'apps/extracted/inventory/README.md'), 'utf8');
    const other = extract(['inventory', '--port', '3009'], cwd);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('apps/extracted/inventory/README.md exists and differs');
    expect(existsSync(join(cwd, 'apps/extracted/inventory/main.ts'))).toBe(false);
    expect(readFileSync(join(cwd, 'apps/extracted/inventory/README.md'), 'utf8')).toBe(notes);
    expect(extract(['inventory', '--force'], cwd).status).toBe(0);
    expect(readFileSync(join(cwd, 'apps/extracted/inventory/main.ts'), 'utf8')).toContain("MODULES: 'inventory'");
  });

  it('--dry-run writes nothing, says what each file would become, and prints the configuration', () => {
    const cwd = tempDir('extract');
    const fresh = extract(['inventory', '--port', '3005', '--dry-run', '--k8s'], cwd);
    expect(fresh.status).toBe(0);
    expect(fresh.stdout).toContain('apps/extracted/inventory/main.ts would be written (new)');
    expect(fresh.stdout).toContain('REMOTE_MODULES=inventory=http://127.0.0.1:3005');
    expect(fresh.stdout).toContain('not written (dry run)');
    expect(existsSync(join(cwd, 'apps'))).toBe(false);
    expect(existsSync(join(cwd, 'deploy'))).toBe(false);
    // Where a real run would be refused (the notes name another port), a dry run still answers, and changes nothing.
    expect(extract(['inventory'], cwd).status).toBe(0);
    const notes = readFileSync(join(cwd, 'apps/extracted/inventory/README.md'), 'utf8');
    const other = extract(['inventory', '--port', '3009', '--dry-run'], cwd);
    expect(other.status).toBe(0);
    expect(other.stdout).toContain('apps/extracted/inventory/main.ts is already what extract writes');
    expect(other.stdout).toContain('apps/extracted/inventory/README.md exists and differs: --force would overwrite it');
    expect(other.stdout).toContain('REMOTE_MODULES=inventory=http://127.0.0.1:3009');
    expect(readFileSync(join(cwd, 'apps/extracted/inventory/README.md'), 'utf8')).toBe(notes);
    expect(extract(['inventory', '--port', '3009'], cwd).stderr).toContain('re-run with --dry-run');
  });

  it('--dry-run into a reader that has gone (| head -1) finishes quietly with exit 0, no EPIPE stack trace', async () => {
    const cwd = tempDir('extract');
    const child = spawn(process.execPath, ['--import', tsx, tool, 'inventory', '--dry-run'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    // Closed before the command prints anything: its first write meets a pipe with no reader.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [status] = (await once(child, 'close')) as [number | null];
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });

  it.each([
    [['billing'], 'unknown module "billing"; modules: catalog, inventory'],
    [[], 'name exactly one module'],
    [['inventory', 'catalog'], 'name exactly one module'],
    [['inventory', '--port', 'x'], 'extract: --port must be a port number from 1 to 65535, got "x"'],
    [['inventory', '--port', '0x10'], 'extract: --port must be a port number from 1 to 65535, got "0x10"'],
    [['inventory', '--port', ' 3001 '], 'extract: --port must be a port number from 1 to 65535, got " 3001 "'],
    [['inventory', '--port', '1e3'], 'extract: --port must be a port number from 1 to 65535, got "1e3"'],
    [['inventory', '--port', ''], 'extract: --port must be a port number from 1 to 65535, got ""'],
    [['inventory', '--port', '65536'], 'extract: --port must be a port number from 1 to 65535, got "65536"'],
    [['inventory', '--port', '1', '--port', '2'], 'extract: --port given more than once ("1", "2"): give it once'],
    [['inventory', '--colour'], "Unknown option '--colour'"],
  ])('bad input %j exits 2 with a readable message', (args, message) => {
    const cwd = tempDir('extract');
    const result = extract(args, cwd);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });

  // The committed entries are what extract writes (above). A database nobody listens on and port 0: an entry that went
  // past its arguments would fail to start (exit 1), or serve, instead of answering.
  const deno = resolve('node_modules/deno/deno');
  const denoRun = ['run', '--allow-env', '--allow-read', '--allow-write', '--allow-net', '--allow-sys', '--allow-ffi'];
  const runners = { node: [process.execPath, '--import', tsx], deno: [deno, ...denoRun] } as const;
  const env = { PATH: process.env.PATH ?? '', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing', PORT: '0', LOG_LEVEL: 'warn' };
  const entry = (runner: keyof typeof runners, module: string, args: string[]) => {
    const [command = '', ...before] = runners[runner];
    return spawnSync(command, [...before, `apps/extracted/${module}/main.ts`, ...args], { env, encoding: 'utf8', timeout: processTestTimeoutMs });
  };

  it.each([
    ['node', 'inventory'],
    ['node', 'payments'],
    ['deno', 'inventory'],
  ] as const)('on %s, apps/extracted/%s/main.ts answers --help and -h (exit 0) and refuses any argument (exit 2)', (runner, module) => {
    const help = entry(runner, module, ['--help']);
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(new RegExp(`^usage: npx tsx apps/extracted/${module}/main\\.ts\\n`));
    expect(help.stdout).toContain(`MODULES=${module} is fixed here`);
    expect(entry(runner, module, ['-h']).stdout).toBe(help.stdout);
    for (const [args, message] of [
      [['--port', '3001'], `${module}: Unknown option '--port'`],
      [['inventory'], `${module}: takes no arguments, got inventory`],
    ] as const) {
      const refused = entry(runner, module, [...args]);
      expect(refused.status, refused.stderr).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(message);
      expect(refused.stderr).toContain(`\nusage: npx tsx apps/extracted/${module}/main.ts\n`);
    }
  });
});
