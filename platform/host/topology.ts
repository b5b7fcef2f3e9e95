import { ConfigError, unknownModuleProblems, type Config, type ConfigProblem } from '../config/index.ts';
import { consumerId, eventType } from '../events/index.ts';
import type { ModuleDefinition } from './define-module.ts';

/** Where each module of the application runs, as seen from this process. */
export interface Topology {
  local: ModuleDefinition[];
  /** Modules served elsewhere and reachable from here: a base URL, or `discover` (the registry). */
  remote: Map<string, string>;
  /** Every consumer in the application, by event type: what a relay fans out to, wherever consumers run. */
  consumers: Map<string, { consumer: string; module: string }[]>;
  /** Whether events cross the process boundary (a publisher or consumer of a local module's events is elsewhere). */
  eventsCrossProcesses: boolean;
  /** Workable but worth saying: e.g. events for a module that is deployed nowhere this host knows of. */
  warnings: string[];
}

/**
 * The modules this configuration hosts (`MODULES`, else every module not in `REMOTE_MODULES`), unknown names refused:
 * what a command that only touches their databases needs (`db:migrate`), without the checks of how they would run
 * (calls and events need addresses and Redis only to serve).
 */
export function hostedModules(config: Config, all: readonly ModuleDefinition[]): ModuleDefinition[] {
  const names = all.map((m) => m.name);
  const problems = [
    ...unknownModuleProblems('MODULES', config.modules ?? [], names),
    ...unknownModuleProblems('REMOTE_MODULES', Object.keys(config.remoteModules), names),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  const localNames = new Set(config.modules ?? all.filter((m) => !(m.name in config.remoteModules)).map((m) => m.name));
  return all.filter((m) => localNames.has(m.name));
}

/**
 * Works out the topology from the configuration and refuses one that cannot work: unknown modules, a local module
 * calling a module that is neither local nor addressable, events between processes without Redis.
 */
export function resolveTopology(config: Config, all: readonly ModuleDefinition[]): Topology {
  const names = all.map((m) => m.name);
  const problems: ConfigProblem[] = [
    ...unknownModuleProblems('MODULES', config.modules ?? [], names),
    ...unknownModuleProblems('REMOTE_MODULES', Object.keys(config.remoteModules), names),
    ...unknownModuleProblems('CANARY_MODULES', Object.keys(config.rollout.canaries), names),
    // A typo here (`invetory=8`) would leave the module on the default limit without a word.
    ...unknownModuleProblems('LOCAL_MODULE_LIMITS', Object.keys(config.local.byModule), names),
  ];
  if (problems.length > 0) throw new ConfigError(problems);

  const localNames = new Set(config.modules ?? all.filter((m) => !(m.name in config.remoteModules)).map((m) => m.name));
  const local = all.filter((m) => localNames.has(m.name));
  const remote = new Map(Object.entries(config.remoteModules));
  // With a registry, any module not hosted here may be found there.
  if (config.registry.enabled) for (const m of all) if (!localNames.has(m.name) && !remote.has(m.name)) remote.set(m.name, 'discover');

  for (const m of local) {
    for (const used of m.uses ?? []) {
      if (localNames.has(used.module) || remote.has(used.module)) continue;
      problems.push({
        variable: 'REMOTE_MODULES',
        message: `module "${m.name}" calls "${used.module}", which is not hosted in this process and has no address (set REMOTE_MODULES=${used.module}=<url>, or ${config.redis.url === undefined ? 'REDIS_URL' : 'REGISTRY=true'} for discovery)`,
      });
    }
  }

  const consumers = new Map<string, { consumer: string; module: string }[]>();
  for (const m of all) {
    for (const s of m.subscriptions ?? []) {
      const type = eventType(s.event);
      consumers.set(type, [...(consumers.get(type) ?? []), { consumer: consumerId(m.name, s.handler), module: m.name }]);
    }
  }
  const publisherOf = new Map(all.flatMap((m) => m.contract.events.map((e) => [eventType(e), m.name] as const)));
  const warnings: string[] = [];
  let eventsCrossProcesses = false;
  for (const [type, list] of consumers) {
    const publisher = publisherOf.get(type);
    if (publisher === undefined) continue;
    for (const { module } of list) {
      if (localNames.has(publisher) === localNames.has(module)) continue;
      const [here, there] = localNames.has(module) ? [module, publisher] : [publisher, module];
      if (!remote.has(there)) {
        warnings.push(`${type} travels between "${here}" and "${there}", which is neither hosted here nor declared in REMOTE_MODULES`);
        continue;
      }
      eventsCrossProcesses = true;
      if (config.events.bus !== 'bullmq') {
        problems.push({
          variable: 'REDIS_URL',
          message: `${type} travels between "${here}" (here) and "${there}" (elsewhere); events between processes need the BullMQ bus (set REDIS_URL)`,
        });
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { local, remote, consumers, eventsCrossProcesses, warnings };
}
