import process from 'node:process';
import type { Config } from '../config/index.ts';
import { migrateSchema, openDatabase } from '../db/index.ts';
import { createLogger } from '../observability/index.ts';
import { createHost, type Host } from './create-host.ts';
import type { ModuleDefinition } from './define-module.ts';
import { serve, type RunningServer } from './serve.ts';

/**
 * Starts a host and serves it until SIGINT or SIGTERM, then drains: stops taking requests, stops the relays,
 * closes the database. Prints where everything is.
 */
export async function runHost(config: Config, modules: readonly ModuleDefinition[]): Promise<{ host: Host; server: RunningServer }> {
  const started = performance.now();
  const host = await createHost({ config, modules });
  const server = await serve(host, config.server);
  if (config.demoData) await host.seed();
  const names = host.modules.map((m) => m.definition.name);
  host.logger.info(
    { modules: names, database: host.database.describe, bus: 'in-process', ms: Math.round(performance.now() - started) },
    `Cleave is ready at ${server.url}`,
  );
  if (config.log.format === 'pretty' || process.stdout.isTTY) {
    process.stdout.write(
      [
        '',
        `  API            ${server.url}/${names[0] ?? ''}/v1/…   (modules: ${names.join(', ')})`,
        `  API reference  ${server.url}/docs`,
        `  OpenAPI        ${server.url}/openapi.json`,
        `  Health         ${server.url}/health/live   ${server.url}/health/ready`,
        `  Dead letters   ${server.url}/ops/dead-letters`,
        `  Database       ${host.database.describe}`,
        '',
      ].join('\n') + '\n',
    );
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    host.logger.info({ signal }, 'shutting down');
    await server.close();
    await host.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  return { host, server };
}

/** Applies the pending migrations of every module the configuration hosts, then closes the database. */
export async function migrateModules(config: Config, modules: readonly ModuleDefinition[]): Promise<void> {
  const log = createLogger(config.log);
  const selected = config.modules ? modules.filter((m) => config.modules?.includes(m.name)) : modules;
  const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir });
  try {
    for (const m of selected) {
      const result = await migrateSchema(database.db, m.name, m.migrations);
      log.info({ module: m.name, applied: result.applied, total: result.total }, result.applied.length ? 'migrations applied' : 'up to date');
    }
  } finally {
    await database.close();
  }
}
