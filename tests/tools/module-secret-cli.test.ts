import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moduleClientSecret } from '../../platform/security/index.ts';
import { runTool } from '../support/run-tool.ts';

const tool = resolve('apps/module-client-secret.ts');

const run = (args: string[], env: Record<string, string>) => runTool(tool, args, env, ['MODULE_CLIENT_KEY', 'MODULE_CLIENT_KEY_FILE']);

describe('npm run keys:module-secret', () => {
  it("prints the module's secret as identity derives it, and the variable its host takes it in", { timeout: 60_000 }, async () => {
    const key = randomBytes(32);
    const result = await run(['inventory'], { MODULE_CLIENT_KEY: key.toString('base64'), NODE_ENV: 'production' });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${moduleClientSecret(key, 'inventory')}\n`);
    expect(result.stderr).toContain('INVENTORY_CLIENT_SECRET');
    expect(result.stderr).not.toContain(key.toString('base64'));
  });

  it('refuses without a key, for an unknown module, or without one', { timeout: 60_000 }, async () => {
    const [noKey, unknown, none] = await Promise.all([
      run(['inventory'], { NODE_ENV: 'production' }),
      run(['payroll'], { NODE_ENV: 'production' }),
      run([], { NODE_ENV: 'production' }),
    ]);
    expect(noKey).toMatchObject({ status: 1, stdout: '' });
    expect(noKey.stderr).toContain('MODULE_CLIENT_KEY (or MODULE_CLIENT_KEY_FILE) is not set');
    expect(unknown).toMatchObject({ status: 2, stdout: '' });
    expect(unknown.stderr).toContain('no module named "payroll"');
    expect(none).toMatchObject({ status: 2, stdout: '' });
    expect(none.stderr).toContain('usage: npm run keys:module-secret -- <module>');
  });
});
