import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase } from '../../support/databases.ts';
import { startProcessHost, type ProcessHost, type Runtime } from '../../support/process-host.ts';
import { checkOutcomes, type Scenario } from './crash-check.ts';

const entry = 'tests/workflows/support/main.ts';
const quick = { IDEMPOTENCY_LOCK: '2s', DATABASE_ROLES: 'false', REGISTRY: 'false', REMOTE_TIMEOUT_MS: '2000' };

/** The sagas every run starts: a clean one, a declined charge, flaky participants (failure, lost reply, timeout), a failed pivot. */
export const scenarios: readonly Scenario[] = [
  { key: 'happy', faults: {}, ends: 'completed' },
  { key: 'declined', faults: { 'charge-card': 'fail' }, ends: 'compensated' },
  {
    key: 'flaky',
    faults: { 'reserve-room': 'fail-once', 'charge-card': 'lose-reply-once', 'issue-voucher': 'lose-reply-once', 'capture-payment': 'slow-once' },
    ends: 'completed',
  },
  { key: 'unconfirmable', faults: { 'confirm-booking': 'fail' }, ends: 'compensated' },
];

/** Where the orchestrating process kills itself: every step boundary, inside steps, and during compensation. */
export const killPoints = [
  'accepted',
  'intent-recorded:reserve-room',
  'mid-invoke:reserve-room',
  'invoked:reserve-room',
  'recorded:reserve-room',
  'invoked:charge-card',
  'mid-invoke:confirm-booking',
  'recorded:confirm-booking',
  'invoked:issue-voucher',
  'intent-recorded:capture-payment',
  'invoked:capture-payment',
  'compensating:charge-card',
  'mid-compensate:reserve-room',
  'compensated:reserve-room',
] as const;

export interface Participant {
  host: ProcessHost;
  postgresUrl: string | undefined;
  close(): Promise<void>;
}

/** The process that is never killed: payments (the participant over HTTP) and identity. */
export async function startParticipant(postgresUrl: string | undefined): Promise<Participant> {
  const scratch = postgresUrl ? await createScratchDatabase(postgresUrl) : undefined;
  const host = await startProcessHost({
    entry,
    env: { ...quick, MODULES: 'payments,identity', ...(scratch ? { DATABASE_URL: scratch.url } : { DATA_DIR: 'memory' }) },
  });
  return {
    host,
    postgresUrl,
    async close() {
      await host.stop();
      await scratch?.drop();
    },
  };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const post = (host: ProcessHost, id: string, faults: Record<string, string>) =>
  host.fetch('/trips/v1/bookings', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, faults }) });

/**
 * One cell of the matrix: start the orchestrator (trips and rooms) on a database of its own, start every scenario's
 * saga, let the process SIGKILL itself at `point`, start it again on the same data, start the sagas again (a repeat is
 * a no-op), and check every outcome, the orchestrator on Node or Deno. Resolves with how long the run took.
 */
export async function crashRun(participant: Participant, point: string, runtime: Runtime = 'node'): Promise<number> {
  const began = Date.now();
  const dir = participant.postgresUrl ? undefined : await mkdtemp(join(tmpdir(), 'cleave-sagas-'));
  const scratch = participant.postgresUrl ? await createScratchDatabase(participant.postgresUrl) : undefined;
  const env = {
    ...quick,
    MODULES: 'trips,rooms',
    REMOTE_MODULES: `identity=${participant.host.url},payments=${participant.host.url}`,
    ...(scratch ? { DATABASE_URL: scratch.url } : { DATA_DIR: dir as string }),
  };
  const ids = scenarios.map(() => randomUUID());
  let orchestrator = await startProcessHost({ entry, runtime, env: { ...env, SAGA_KILL_AT: point } });
  try {
    // A start may be cut by the kill: its outcome is unknown until it is sent again below.
    await Promise.allSettled(ids.map((id, i) => post(orchestrator, id, scenarios[i]?.faults ?? {})));
    const killed = orchestrator;
    await until(() => killed.output().includes(`saga-kill-point ${point}`), 60_000, `the kill at ${point}`);
    await killed.kill();
    orchestrator = await startProcessHost({ entry, runtime, env });
    for (const [i, id] of ids.entries()) {
      const again = await post(orchestrator, id, scenarios[i]?.faults ?? {});
      if (again.status !== 202) throw new Error(`starting ${id} again answered ${again.status}: ${await again.text()}`);
    }
    await checkOutcomes(orchestrator, ids, scenarios);
    return Date.now() - began;
  } finally {
    await orchestrator.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    await scratch?.drop();
  }
}
