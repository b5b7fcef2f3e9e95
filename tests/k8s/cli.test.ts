import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import process from 'node:process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTool } from '../support/run-tool.ts';
import { tempDir } from '../support/temp-dir.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';
import { toolArgv } from '../support/tool-bundles.ts';

const tool = resolve('tools/k8s/main.ts');
const k8s = (args: string[]) => runTool(tool, args);

describe('npm run k8s', { timeout: processTestTimeoutMs }, () => {
  it('--check passes on the committed deploy/k8s', async () => {
    const result = await k8s(['--check']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('deploy/k8s is in sync');
  });

  it('writes the manifests for the modules named, removes generated files it no longer makes, and --check fails on drift', async () => {
    const out = tempDir('k8s');
    expect((await k8s(['--out', out, '--module', 'catalog', '--module', 'inventory', '--namespace', 'shop'])).status).toBe(0);
    expect(readFileSync(join(out, 'catalog.yaml'), 'utf8')).toContain('namespace: shop');
    expect(readFileSync(join(out, 'kustomization.yaml'), 'utf8')).toContain('  - inventory.yaml');
    writeFileSync(join(out, 'notes.yaml'), 'kept: true\n');
    const again = await k8s(['--out', out, '--module', 'inventory', '--namespace', 'shop']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('removed catalog.yaml');
    expect(existsSync(join(out, 'catalog.yaml'))).toBe(false);
    expect(existsSync(join(out, 'notes.yaml'))).toBe(true);
    writeFileSync(join(out, 'inventory.yaml'), readFileSync(join(out, 'inventory.yaml'), 'utf8').replace('cpu: 200m', 'cpu: 100m'));
    const drift = await k8s(['--out', out, '--module', 'inventory', '--namespace', 'shop', '--check']);
    expect(drift.status).toBe(1);
    // Every line prefixed; the command to run writes where the check looked.
    expect(drift.stderr.trim().split('\n')).toEqual([
      `k8s: ${out}/inventory.yaml is not what the modules and flags give`,
      `k8s: run npm run k8s -- --module inventory --namespace shop --out ${out}`,
    ]);
  });

  it.each([
    [['--module', 'billing'], 'unknown module "billing"; modules: catalog, inventory, identity'],
    [['--colour'], "Unknown option '--colour'"],
    [['--canary', 'inventory=110'], '--canary must be <name>=<whole number from 0 to 100>, got "inventory=110"'],
    [['--canary', ' inventory=10 '], '--canary must be <name>=<whole number from 0 to 100>, got " inventory=10 "'],
    [['--canary', 'inventory=0x10'], '--canary must be <name>=<whole number from 0 to 100>, got "inventory=0x10"'],
    [['--canary', 'inventory=10', '--canary', 'inventory=20'], 'k8s: --canary given more than once ("inventory=10", "inventory=20"): give it once'],
    [['--namespace', 'a', '--namespace', 'b'], 'k8s: --namespace given more than once ("a", "b"): give it once'],
    [['--canary', 'catalog=10'], 'only an extracted module has a deployment of its own to canary'],
    [['--replicas', 'inventory=0'], '--replicas must be <name>=<whole number from 1 to 100>'],
    [['--replicas', 'catalog=3'], 'catalog runs in the monolith'],
    [['--namespace', 'Shop_1'], '--namespace must be a DNS label'],
    [
      ['catalog', 'inventory', 'identity', 'payments', 'ordering', 'notifications'].flatMap((m) => ['--module', m]),
      'the monolith must keep at least one module',
    ],
    [['--canary-image', 'cleave:2'], '--canary-image needs --canary'],
    [['--otlp-endpoint', 'collector:4318'], '--otlp-endpoint must be an http(s) URL'],
    [['--otlp-endpoint', 'http://collector:99999'], '--otlp-endpoint must be an http(s) URL, got "http://collector:99999" (not a valid URL'],
    [
      ['--issuer', 'https://id.example:70000'],
      '--issuer must be an http(s) origin such as https://api.example.com, got "https://id.example:70000" (not a valid URL',
    ],
    [['--otlp-endpoint', 'http://user:pw@collector:4318'], '--otlp-endpoint must not carry credentials (user:password@)'],
    [['--issuer', 'https://user@id.example'], '--issuer must not carry credentials'],
    [['--all-in-one', '--module', 'inventory'], 'give it or --module, not both'],
  ])('bad input %j exits 2 with a readable message', async (args, message) => {
    const result = await k8s(['--out', tempDir('k8s'), ...args]);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.status).toBe(2);
  });

  it('an empty --out exits 2 and writes nothing where it runs', () => {
    const cwd = tempDir('k8s');
    const result = spawnSync(process.execPath, [...toolArgv(tool), '--out', ''], {
      cwd,
      encoding: 'utf8',
      timeout: processTestTimeoutMs,
    });
    expect(result.stderr).toContain('k8s: --out needs a folder');
    expect(result.status).toBe(2);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('an --out it cannot write to says so in one line, exits 1 and writes nothing', async () => {
    const file = join(tempDir('k8s'), 'afile');
    writeFileSync(file, 'not a folder\n');
    const result = await k8s(['--out', join(file, 'x')]);
    expect(result.stderr.trim()).toMatch(/^k8s: cannot write \S+\/afile\/x\/[a-z-]+\.yaml: \S+\/afile is a file, not a folder$/);
    expect(result.status).toBe(1);
    expect(readFileSync(file, 'utf8')).toBe('not a folder\n');
  });

  it('npm run extract -- <m> --k8s writes the manifests with the module as its own deployable', async () => {
    const cwd = tempDir('k8s');
    const result = spawnSync(process.execPath, [...toolArgv('tools/extract.ts'), 'catalog', '--k8s'], {
      cwd,
      encoding: 'utf8',
      timeout: processTestTimeoutMs,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Kubernetes manifests (npm run k8s -- --module catalog)');
    expect(readFileSync(join(cwd, 'deploy/k8s/catalog.yaml'), 'utf8')).toContain('MODULES: catalog');
    expect(readFileSync(join(cwd, 'deploy/k8s/monolith.yaml'), 'utf8')).toContain('REMOTE_MODULES: catalog=http://catalog.cleave.svc');
  });
});
