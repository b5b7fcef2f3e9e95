import { modules as allModules } from '../../apps/modules.ts';
import type { Host } from '../../platform/host/index.ts';
import { testDatabases } from './databases.ts';
import { startProcessHost } from './process-host.ts';
import { directCall } from './direct-call.ts';
import { call, startTestHost } from './test-host.ts';

/** Something that serves modules' contracts: a host in this process, or one in another process over HTTP. */
export interface Target {
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** The in-process host, when there is one (for tests that reach into it). */
  host?: Host;
  stop(): Promise<void>;
}

export interface TargetKind {
  name: string;
  start(modules: readonly string[]): Promise<Target>;
}

/**
 * The named modules and every module they call (`uses`), transitively, in the order of apps/modules.ts: a host refuses
 * to start a module whose provider it neither hosts nor can reach, so a module's tests host its providers with it
 * without naming them (a new module that starts calling catalog keeps its tests' `kind.start(['loyalty'])`).
 */
export function withProviders(names: readonly string[]): string[] {
  const hosted = new Set<string>();
  const add = (name: string): void => {
    if (hosted.has(name)) return;
    hosted.add(name);
    for (const contract of allModules.find((m) => m.name === name)?.uses ?? []) add(contract.module);
  };
  for (const name of names) add(name);
  return [...allModules.map((m) => m.name).filter((name) => hosted.has(name)), ...[...hosted].filter((name) => !allModules.some((m) => m.name === name))];
}

/**
 * Where a module's contract tests run: in this process on each test database (through the app, and as direct
 * in-process calls, the path module clients take), and in a separate process over HTTP, on Node and on Deno. The same assertions hold in every one.
 */
export const targetKinds: TargetKind[] = [
  ...testDatabases.map((testDatabase): TargetKind => ({
    name: `in-process on ${testDatabase.name}`,
    async start(names) {
      const database = await testDatabase.open();
      const hosted = withProviders(names);
      const host = await startTestHost({ database, modules: allModules.filter((m) => hosted.includes(m.name)) });
      return {
        host,
        call: (method, path, body, headers) => call(host, method, path, body, headers),
        async stop() {
          await host.stop();
          await database.close();
        },
      };
    },
  })),
  ...testDatabases.map((testDatabase): TargetKind => ({
    name: `direct in-process calls on ${testDatabase.name}`,
    async start(names) {
      const database = await testDatabase.open();
      const hosted = withProviders(names);
      const host = await startTestHost({ database, modules: allModules.filter((m) => hosted.includes(m.name)) });
      return {
        host,
        call: (method, path, body, headers) => directCall(host, 'contract-test', method, path, body, headers),
        async stop() {
          await host.stop();
          await database.close();
        },
      };
    },
  })),
  ...(['node', 'deno'] as const).map((runtime): TargetKind => ({
    name: `separate ${runtime} process over HTTP`,
    async start(names) {
      // The identity module runs beside the ones under test: protected routes need its tokens.
      const modules = withProviders([...names, 'identity']);
      const child = await startProcessHost({ runtime, env: { MODULES: modules.join(','), EVENT_RETRY_BASE_MS: '5', OUTBOX_SWEEP_MS: '100' } });
      return {
        call: (method, path, body, headers = {}) =>
          child.fetch(path, {
            method,
            headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          }),
        stop: () => child.stop(),
      };
    },
  })),
];
