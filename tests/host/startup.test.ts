import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import process from 'node:process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcessHost, type ProcessHost } from '../support/process-host.ts';
import { processTestTimeoutMs } from '../support/timeouts.ts';

describe('a newcomer starting the monolith', { timeout: processTestTimeoutMs }, () => {
  let host: ProcessHost;
  beforeAll(async () => {
    // A fixed port, as `npm start` has: the identity issuer, and the redirect URI the demo client registers, name it.
    // Bundled, as `npm start` runs it (tools/start/launch.mjs): migrations and the operations page's assets found.
    host = await startProcessHost({ env: { DEMO_DATA: 'true' }, port: await freePort(), bundle: true });
  }, processTestTimeoutMs);
  afterAll(() => host.stop());

  function readyLine(): { urls: Record<string, unknown> } {
    const line = host
      .output()
      .split('\n')
      .find((l) => l.includes('Cleave is ready at'));
    return JSON.parse(line ?? '{}') as { urls: Record<string, unknown> };
  }

  it('the ready log line names URLs that all answer', async () => {
    const { urls } = readyLine();
    const modules = urls.modules as Record<string, { api: string; openapi: string }>;
    expect(Object.keys(modules)).toEqual(['catalog', 'inventory', 'identity', 'payments', 'ordering', 'notifications']);
    expect(modules.catalog?.api).toBe(`${host.url}/catalog/v1/products`);
    expect(modules.identity?.api).toBe(`${host.url}/.well-known/oauth-authorization-server`);
    const all = [
      urls.index,
      urls.docs,
      urls.openapi,
      urls.health,
      urls.registry,
      urls.deadLetters,
      ...Object.values(modules).flatMap((m) => [m.api, m.openapi]),
    ];
    // The operator's links (registry, dead letters) need a token; every link answers with one, but a customer's own
    // orders, which need a signed-in user's token and say so to a machine client.
    for (const url of all) {
      const response = await host.fetch(new URL(String(url)).pathname + new URL(String(url)).search);
      if (url === modules.ordering?.api) expect(await response.json()).toMatchObject({ status: 403, code: 'ordering/customer-token-required' });
      else expect(response.status, String(url)).toBe(200);
    }
    expect((await fetch(String(urls.registry))).status).toBe(401);
    // The operations page sends a browser to sign in, and on to the identity module's sign-in page, which answers.
    const page = await fetch(String(urls.operations), { redirect: 'manual' });
    expect(page.status).toBe(303);
    const signIn = await fetch(new URL(page.headers.get('location') as string, String(urls.operations)), { redirect: 'manual' });
    const authorize = await fetch(new URL(signIn.headers.get('location') as string, String(urls.operations)));
    expect(authorize.status).toBe(200);
    expect(await authorize.text()).toContain('<form method="post" action="/identity/v1/authorize">');
  });

  it('/ leads on: JSON links for a client, a page of links for a browser', async () => {
    const json = await fetch(`${host.url}/`);
    expect(await json.json()).toMatchObject({ name: 'Cleave', links: { docs: '/docs', modules: { catalog: { api: '/catalog/v1/products' } } } });
    const html = await fetch(`${host.url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('<a href="/docs">API reference</a>');
  });

  it('the files read beside their sources are found from the bundle: the operations page and API reference assets', async () => {
    for (const path of ['/ops/assets/ops.js', '/ops/assets/ops.css', '/docs/assets/swagger-ui-bundle.js']) {
      const response = await fetch(`${host.url}${path}`);
      expect(response.status, path).toBe(200);
      expect((await response.text()).length, path).toBeGreaterThan(100);
    }
  });

  it('/docs/ goes to /docs', async () => {
    const response = await fetch(`${host.url}/docs/`, { redirect: 'manual' });
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/docs');
  });
});

describe('a second npm start on a taken port', { timeout: processTestTimeoutMs }, () => {
  it('stops at once with a readable message, before migrating or loading demo data', async () => {
    const port = await freePort();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      const failure = await startProcessHost({ port, env: { DEMO_DATA: 'true', LOG_LEVEL: 'debug' } }).then(
        (h) => h.stop().then(() => ''),
        (error: Error) => error.message,
      );
      expect(failure).toContain('exited with 1 before it was ready');
      expect(failure).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(failure).not.toMatch(/migrations applied|demo products created/);
    } finally {
      taken.close();
    }
  });
});

describe('a host started with MIGRATE_ON_START=false on a database without its migrations', { timeout: processTestTimeoutMs }, () => {
  it('says it serves but is not ready, naming the pending migrations, instead of "ready"; /health/ready answers 503', async () => {
    const host = await startProcessHost({ env: { MIGRATE_ON_START: 'false', DEMO_DATA: 'false' } });
    try {
      const line = host
        .output()
        .split('\n')
        .find((l) => l.includes(`Cleave is serving at ${host.url}`));
      const logged = JSON.parse(line ?? '{}') as { level?: number; msg?: string; notReady?: string[] };
      expect(logged.msg).toContain('but not ready (/health/ready answers 503 until this is fixed)');
      expect(logged.notReady?.filter((n) => /^catalog migrations: \d+ migration\(s\) not applied$/.test(n))).toHaveLength(1);
      expect(host.output()).not.toContain('Cleave is ready at');
      expect((await fetch(`${host.url}/health/ready`)).status).toBe(503);
    } finally {
      await host.stop();
    }
  });
});

/** The monolith with stdout on a terminal (`script` gives it a pseudo-terminal), its output until the ready line. */
async function startOnTerminal(logFormat: string): Promise<string> {
  const port = await freePort();
  const command = `env PORT=${port} DATA_DIR=memory DEMO_DATA=false LOG_FORMAT=${logFormat} ${process.execPath} --import tsx apps/monolith/main.ts`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let seen = '';
  let ready = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        // The list of links, when there is one, follows the ready line: wait for the index it ends with as well.
        if (!ready && /Cleave is ready at/.test(output) && (logFormat === 'json' || output.includes('/health/ready'))) {
          ready = true;
          setTimeout(() => {
            seen = output;
            resolve();
          }, 300);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready:\n${output}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  }
  // What `script` itself says when it is stopped is not the host's.
  return seen;
}

describe('stdout on a terminal', { timeout: processTestTimeoutMs }, () => {
  it('LOG_FORMAT=json: nothing but JSON lines, the links only in the ready line (as a container run with a TTY has)', async () => {
    const lines = (await startOnTerminal('json')).split(/\r?\n/).filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
    expect(lines.some((line) => line.includes('"urls":'))).toBe(true);
  });

  it('LOG_FORMAT=auto: readable lines and the list of links', async () => {
    const output = await startOnTerminal('auto');
    expect(output).toContain('Start here');
    expect(output).not.toMatch(/^\{"level"/m);
  });
});
