import process from 'node:process';
import type { Config } from '../config/index.ts';
import { migrateModule } from './migrate-module.ts';
import { openModuleDatabases } from './databases.ts';
import { hostedModules } from './topology.ts';
import { createLogger, errorChain, messageOf } from '../observability/index.ts';
import { createHost, type Host } from './create-host.ts';
import { hostLinks } from './links.ts';
import { failingChecks } from './health.ts';
import { ensurePortFree } from './port.ts';
import { eventLoopTurn } from './event-loop-turn.ts';
import type { ModuleDefinition } from './define-module.ts';
import { refuseUnsupportedTls, serve, type RunningServer } from './serve.ts';

/**
 * What a host that could not start prints: the error's message, then the causes down the chain that it does not already
 * say (a failed migration's drizzle error says only "Failed query: <sql>"; the database's refusal is its cause). A
 * message that already quotes a cause deeper down (`Cannot reach PostgreSQL at …: connect ECONNREFUSED …`) summed up
 * the chain to there. A query's parameters are left out: they may hold personal data.
 */
export function startFailure(error: unknown): string {
  const [first = '', ...causes] = errorChain(error).map((e) =>
    messageOf(e)
      .replace(/\nparams: [\s\S]*$/, '')
      .trim(),
  );
  const summed = causes.findLastIndex((message) => first.includes(message));
  const lines = [first];
  for (const message of causes.slice(summed + 1)) if (!lines.some((line) => line.includes(message))) lines.push(`  caused by: ${message}`);
  return lines.join('\n');
}

/** Ends a process whose host could not start: {@link startFailure} on stderr, exit code 1. */
export function exitStartFailed(error: unknown): never {
  process.stderr.write(`${startFailure(error)}\n`);
  process.exit(1);
}

/**
 * Starts a host and serves it until SIGINT or SIGTERM, then drains: stops taking requests, stops the relays,
 * closes the database. Prints where everything is.
 */
export async function runHost(config: Config, modules: readonly ModuleDefinition[]): Promise<{ host: Host; server: RunningServer }> {
  const started = performance.now();
  // A signal before anything is served ends the process at once, as the default action does. As PID 1 in a container
  // a signal without a handler is ignored: the host would finish starting (minutes of migrations, say) and serve
  // until the orchestrator's SIGKILL. Nothing is lost: each module's migrations commit in one transaction.
  //
  // One listener per signal for the whole life of the process, never removed and added again: Node drops a signal
  // that is pending when the last listener of it goes (one that came while PGlite's migrations kept the event loop
  // from its next turn was lost, and the host served on), and Deno delivers it to whichever listener comes next.
  const exitCode = (signal: NodeJS.Signals) => (signal === 'SIGINT' ? 130 : 143);
  let onSignal: (signal: NodeJS.Signals) => void = (signal) => {
    process.stderr.write(`${signal} during start-up: stopping now (nothing was served; migrations not committed run again at the next start)\n`);
    process.exit(exitCode(signal));
  };
  process.on('SIGINT', (signal) => onSignal(signal));
  process.on('SIGTERM', (signal) => onSignal(signal));
  refuseUnsupportedTls(config.tls.server);
  await ensurePortFree(config.server.host, config.server.port);
  const host = await createHost({ config, modules });
  // A signal that came while start-up held the loop is read now, and still ends the process at once.
  await eventLoopTurn();
  const server = await serve(host, { ...config.server, tls: config.tls.server });
  // Demo data is a convenience: a module it needs being elsewhere and down must not stop the host. It loads while the
  // host serves (a seed may call a module elsewhere that calls back), and starts before the first request can be read,
  // so /health/ready fails (`host demo-data`) until the demo accounts exist.
  const seeded = config.demoData ? host.seed().catch((error: unknown) => host.logger.warn({ err: error }, 'demo data not loaded')) : undefined;
  // Signals are handled from the moment requests can arrive (while demo data still loads): a SIGTERM then drains
  // instead of killing the process.
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    host.logger.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down');
    // Past the deadline the process exits anyway: what was in flight is redelivered after the next start.
    const deadline = setTimeout(() => {
      // Events the relays were publishing, and deliveries the consumers were handling (their transactions roll back).
      const abandoned = host.modules.flatMap((m) => m.relay.inFlightIds().map((eventId) => ({ module: m.definition.name, eventId })));
      const deliveries = host.modules.flatMap((m) => m.deliveriesInFlight());
      host.logger.error(
        { abandoned, deliveries, deadlineMs: config.shutdownTimeoutMs },
        'shutdown deadline passed; exiting with work in flight (it is delivered again after a restart)',
      );
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref?.();
    // Leave the registry and fail readiness first, and keep serving while every gateway's discovery catches up
    // (it rereads the registry each second); only then stop accepting and finish what is in flight.
    await host.drain();
    if (host.registry && config.rollout.drainDelayMs > 0) {
      host.logger.info({ delayMs: config.rollout.drainDelayMs }, 'draining: left the registry, still serving');
      await new Promise((resolve) => setTimeout(resolve, config.rollout.drainDelayMs));
    }
    await server.close();
    await host.stop();
    clearTimeout(deadline);
    process.exit(0);
  };
  onSignal = (signal) => {
    // A second signal while draining ends the process at once, as the signal's default action would.
    if (closing) {
      process.stderr.write(`${signal} while shutting down: stopping now (what was in flight is delivered again after a restart)\n`);
      process.exit(exitCode(signal));
    }
    void shutdown(signal);
  };
  await host.announce(config.publicUrl ?? server.url);
  await seeded;
  const names = host.modules.map((m) => m.definition.name);
  const databases = [...new Set(host.modules.map((m) => m.database.describe))];
  const remote = [...host.topology.remote].map(([m, a]) => `${m} → ${a}`);
  const deployed = modules.filter((m) => names.includes(m.name) || host.topology.remote.has(m.name));
  const links = hostLinks(server.url, deployed);
  // Serving is not ready: a critical check failing now (migrations not applied with MIGRATE_ON_START=false, a database
  // down) keeps /health/ready at 503, and the banner says so rather than "ready".
  const failing = await failingChecks(host.modules.map((m) => ({ module: m.definition.name, checks: m.checks() })));
  const notReady = failing.map((f) => `${f.module} ${f.name}: ${f.detail ?? 'failed'}`);
  host.logger[notReady.length > 0 ? 'warn' : 'info'](
    {
      modules: names,
      remote,
      databases,
      bus: host.busKind,
      registry: host.registry !== undefined,
      urls: { index: `${server.url}/`, ...links },
      ms: Math.round(performance.now() - started),
      ...(notReady.length > 0 ? { notReady } : {}),
    },
    notReady.length > 0
      ? `Cleave is serving at ${server.url} but not ready (/health/ready answers 503 until this is fixed): ${notReady.join('; ')}`
      : `Cleave is ready at ${server.url}`,
  );
  // The list of links is for a person reading pretty lines; with JSON lines (LOG_FORMAT=json, even on a terminal, as a
  // container run with a TTY has) stdout carries nothing but JSON, and the links are the ready line's `urls`.
  if (config.log.format === 'pretty') {
    const width = Math.max(...Object.keys(links.modules).map((m) => m.length));
    process.stdout.write(
      [
        '',
        `  Start here     ${server.url}/`,
        ...Object.entries(links.modules).map(([m, l], i) => `  ${i === 0 ? 'API           ' : '              '} ${m.padEnd(width)}  ${l.api}`),
        `  API reference  ${links.docs}`,
        `  OpenAPI        ${links.openapi}`,
        `  Health         ${server.url}/health/live   ${links.health}`,
        `  Operations     ${links.operations}   (sign in as an operator)`,
        `  Dead letters   ${links.deadLetters}`,
        `  Registry       ${links.registry}`,
        `  Database       ${databases.join('; ')}`,
        `  Event bus      ${host.busKind}`,
        ...(remote.length > 0 ? [`  Elsewhere      ${remote.join(', ')}`] : []),
        '',
      ].join('\n') + '\n',
    );
  }
  return { host, server };
}

/** Applies the pending migrations of every module the configuration hosts, then closes the databases. */
export async function migrateModules(config: Config, modules: readonly ModuleDefinition[]): Promise<void> {
  const log = createLogger(config.log);
  const local = hostedModules(config, modules);
  const databases = await openModuleDatabases(config, local, log);
  try {
    for (const m of local) {
      const result = await migrateModule(databases.of(m.name).db, m);
      log.info({ module: m.name, applied: result.applied, total: result.total }, result.applied.length ? 'migrations applied' : 'up to date');
    }
  } finally {
    await databases.close();
  }
}
