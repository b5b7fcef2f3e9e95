import process from 'node:process';

/** What one module used, as counted by this host. */
export interface ModuleUsage {
  requests: number;
  /** Wall time of the HTTP requests it answered, in seconds. */
  requestSeconds: number;
  deliveries: number;
  /** Wall time of its event consumers' delivery attempts. */
  consumerSeconds: number;
  /** Attempts of its sagas' steps (and compensations) the saga runner made here. */
  sagaSteps: number;
  /** Their wall time, the in-process calls they made included. */
  sagaSeconds: number;
  statements: number;
  /** Wall time of the database statements on its schema. */
  databaseSeconds: number;
  eventsPublished: number;
  eventsConsumed: number;
}

export interface ModuleCost extends ModuleUsage {
  module: string;
  owner: string;
  costCentre: string;
  /** The module's share of this host's busy time (requests, deliveries and saga steps), 0 to 1. */
  share: number;
  /** The process CPU of the window times the share; `null` where the runtime reports no process CPU (Deno). */
  cpuSeconds: number | null;
}

export interface CostReport {
  window: { from: string; to: string; seconds: number };
  /** Process CPU seconds (user + system) in the window; `null` where the runtime does not report it. */
  cpuSeconds: number | null;
  modules: ModuleCost[];
  /** The same, summed by owner and cost centre. */
  owners: (Omit<ModuleCost, 'module' | 'owner' | 'costCentre' | 'share'> & { owner: string; costCentre: string; modules: string[]; share: number })[];
}

export interface CostLedger {
  request(module: string, seconds: number): void;
  delivery(module: string, seconds: number, handled: boolean): void;
  /** One attempt of a saga step or compensation of `module`'s took `seconds`. */
  sagaStep(module: string, seconds: number): void;
  statement(module: string, seconds: number): void;
  published(module: string): void;
  /** What each hosted module used over the last `windowMs` (at most the hour kept; since start if younger). */
  report(windowMs: number): CostReport;
  close(): void;
}

interface Snapshot {
  at: number;
  cpuMicros: number | null;
  usage: Map<string, ModuleUsage>;
}

const minuteMs = 60_000;
/** Minute snapshots kept: windows up to an hour. */
const kept = 61;
const empty = (): ModuleUsage => ({
  requests: 0,
  requestSeconds: 0,
  deliveries: 0,
  consumerSeconds: 0,
  sagaSteps: 0,
  sagaSeconds: 0,
  statements: 0,
  databaseSeconds: 0,
  eventsPublished: 0,
  eventsConsumed: 0,
});

function processCpuMicros(): number | null {
  try {
    const { user, system } = process.cpuUsage();
    return user + system > 0 ? user + system : null;
  } catch {
    return null;
  }
}

/**
 * Running totals of what each module hosted here uses, and snapshots of them every minute, so that a report covers
 * a window. The approximation: modules share one event loop, so CPU cannot be measured per module; each module is
 * given the process's CPU of the window in proportion to its busy wall time (its HTTP requests, its consumers'
 * delivery attempts and its sagas' step attempts). Wall time overlaps when requests interleave (a request waiting on the database still counts
 * as busy), and a call on the direct in-process path has no request of its own: the provider's time is inside the
 * caller's request, so it is the caller's cost. Database time is the wall time of the statements on the module's
 * schema, whoever sent them.
 */
export function createCostLedger(modules: readonly { name: string; owner: string; costCentre: string }[], now: () => number = Date.now): CostLedger {
  const hosted = new Map(modules.map((m) => [m.name, m]));
  const totals = new Map(modules.map((m) => [m.name, empty()]));
  const copy = (): Map<string, ModuleUsage> => new Map([...totals].map(([k, v]) => [k, { ...v }]));
  const snapshots: Snapshot[] = [{ at: now(), cpuMicros: processCpuMicros(), usage: copy() }];
  const timer = setInterval(() => {
    snapshots.push({ at: now(), cpuMicros: processCpuMicros(), usage: copy() });
    if (snapshots.length > kept) snapshots.shift();
  }, minuteMs);
  timer.unref?.();
  const of = (module: string) => totals.get(module);

  return {
    request(module, seconds) {
      const u = of(module);
      if (!u) return;
      u.requests++;
      u.requestSeconds += seconds;
    },
    delivery(module, seconds, handled) {
      const u = of(module);
      if (!u) return;
      u.deliveries++;
      u.consumerSeconds += seconds;
      if (handled) u.eventsConsumed++;
    },
    sagaStep(module, seconds) {
      const u = of(module);
      if (!u) return;
      u.sagaSteps++;
      u.sagaSeconds += seconds;
    },
    statement(module, seconds) {
      const u = of(module);
      if (!u) return;
      u.statements++;
      u.databaseSeconds += seconds;
    },
    published(module) {
      const u = of(module);
      if (u) u.eventsPublished++;
    },
    report(windowMs) {
      const to = now();
      const since = to - windowMs;
      // The latest snapshot at or before the window's start, else the oldest kept (the window is then shorter).
      const base = [...snapshots].reverse().find((s) => s.at <= since) ?? (snapshots[0] as Snapshot);
      const cpuNow = processCpuMicros();
      const cpuSeconds = cpuNow !== null && base.cpuMicros !== null ? Math.max(0, cpuNow - base.cpuMicros) / 1e6 : null;
      const used = [...totals].map(([module, t]) => {
        const b = base.usage.get(module) ?? empty();
        const d = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v - (b[k as keyof ModuleUsage] ?? 0)])) as unknown as ModuleUsage;
        return { module, usage: d, busy: d.requestSeconds + d.consumerSeconds + d.sagaSeconds };
      });
      const busy = used.reduce((sum, u) => sum + u.busy, 0);
      const costs: ModuleCost[] = used.map(({ module, usage, busy: own }) => {
        const m = hosted.get(module) as { owner: string; costCentre: string };
        const share = busy > 0 ? own / busy : 0;
        return { module, owner: m.owner, costCentre: m.costCentre, ...usage, share, cpuSeconds: cpuSeconds === null ? null : cpuSeconds * share };
      });
      const owners = new Map<string, CostReport['owners'][number]>();
      for (const c of costs) {
        const key = `${c.owner}\u0000${c.costCentre}`;
        const o = owners.get(key) ?? {
          ...empty(),
          owner: c.owner,
          costCentre: c.costCentre,
          modules: [],
          share: 0,
          cpuSeconds: cpuSeconds === null ? null : 0,
        };
        for (const k of Object.keys(empty()) as (keyof ModuleUsage)[]) o[k] += c[k];
        o.modules.push(c.module);
        o.share += c.share;
        if (o.cpuSeconds !== null && c.cpuSeconds !== null) o.cpuSeconds += c.cpuSeconds;
        owners.set(key, o);
      }
      return {
        window: { from: new Date(base.at).toISOString(), to: new Date(to).toISOString(), seconds: Math.round((to - base.at) / 100) / 10 },
        cpuSeconds,
        modules: costs,
        owners: [...owners.values()],
      };
    },
    close: () => clearInterval(timer),
  };
}
