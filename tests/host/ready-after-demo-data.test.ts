import { spawn } from 'node:child_process';
import process from 'node:process';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, generousRateLimits } from '../support/process-host.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

/**
 * A script that waits for /health/ready and then signs in as a demo account (the README's walk-through) must find the
 * account there: readiness waits for the demo data, which loads while the host already serves.
 */
describe('readiness and the demo data', { timeout: processTestTimeoutMs }, () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('once /health/ready answers 200, the demo accounts sign in', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/monolith/main.ts'], {
      env: {
        ...process.env,
        ...generousRateLimits,
        NODE_ENV: 'test',
        PORT: String(port),
        DATA_DIR: 'memory',
        DEMO_DATA: 'true',
        IDENTITY_PASSWORD_GRANT: 'true',
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const waits: string[] = [];
    const deadline = Date.now() + processTestTimeoutMs - 10_000;
    for (;;) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`never ready:\n${output.slice(-3000)}`);
      const ready = await fetch(`${url}/health/ready`).catch(() => undefined);
      if (ready?.status === 200) break;
      if (ready) waits.push(JSON.stringify(await ready.json()));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // At once, as a script would: no pause for the accounts to appear.
    const token = await fetch(`${url}/identity/v1/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'cleave-web', username: 'alice', password: 'alice-demo-password' }),
    });
    expect(token.status, await token.clone().text()).toBe(200);
    // Any wait readiness made was for the demo data, said so by name.
    for (const wait of waits) expect(wait).toContain('demo-data');
  });
});
