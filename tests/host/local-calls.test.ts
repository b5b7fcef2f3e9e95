import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogModule } from '../../modules/catalog/index.ts';
import { createClient, createHttpTransport, RemoteProblemError, type Transport } from '../../platform/contracts/index.ts';
import type { Host } from '../../platform/host/index.ts';
import { type DatabaseHandle } from '../../platform/db/index.ts';
import { ledgerContract, ledgerModule, type LedgerControls } from '../support/ledger/module.ts';
import { eventually, startTestHost, testLogger } from '../support/test-host.ts';
import { openTestPglite } from '../support/pglite-image.ts';

const noHttp: Transport = () => Promise.reject(new Error('a call to a module in this process must not go over HTTP'));

/** A paused handler: `open()` lets every paused call answer. */
function gate() {
  let open!: () => void;
  const pause = new Promise<void>((resolve) => (open = resolve));
  return { pause, open };
}

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('calls to a module in this process', () => {
  let database: DatabaseHandle | undefined;
  let host: Host | undefined;
  let release: (() => void) | undefined;

  afterEach(async () => {
    release?.();
    await host?.stop();
    await database?.close();
    host = database = release = undefined;
  });

  async function start(controls: LedgerControls, env: Record<string, string> = {}, logLines?: Record<string, unknown>[]) {
    database = await openTestPglite();
    host = await startTestHost({ database, modules: [catalogModule, ledgerModule(controls)], env, ...(logLines ? { logLines } : {}) });
    return host;
  }

  it('time out with the remote setting, abort the handler’s signal, and keep the slot until the handler ends', async () => {
    const { pause, open } = gate();
    release = open;
    let signal: AbortSignal | undefined;
    const h = await start({ pause, signal: (s) => (signal = s) }, { REMOTE_TIMEOUT_MS: '300' });
    const ledger = createClient(ledgerContract, noHttp, 'tester', { local: h.direct.dispatch, handle: h.direct.handles.issue('tester') });
    const error = await ledger.addEntry({ body: { amount: 5 } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'timeout', code: 'http/upstream-timeout' });
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as DOMException).name).toBe('TimeoutError');
    // Still running: the quota counts it until it really ends.
    expect(h.direct.stats().ledger).toEqual({ inFlight: 1, queued: 0 });
    open();
    await eventually(() => expect(h.direct.stats().ledger).toEqual({ inFlight: 0, queued: 0 }), 20_000);
  });

  it('stop waiting when the caller’s signal aborts, and pass the abort on to the handler', async () => {
    const { pause, open } = gate();
    release = open;
    let signal: AbortSignal | undefined;
    const h = await start({ pause, signal: (s) => (signal = s) }, { REMOTE_TIMEOUT_MS: '60000' });
    const ledger = createClient(ledgerContract, noHttp, 'tester', { local: h.direct.dispatch, handle: h.direct.handles.issue('tester') });
    const caller = new AbortController();
    const pending = ledger.addEntry({ body: { amount: 5 } }, { signal: caller.signal }).catch((e: unknown) => e);
    await eventually(() => expect(signal).toBeDefined(), 20_000);
    caller.abort(new Error('caller gave up'));
    expect(await pending).toMatchObject({ message: 'caller gave up' });
    expect(signal?.aborted).toBe(true);
  });

  it('run at most the module’s limit at once, queue a bounded number, and refuse the rest with 503 saturated', async () => {
    const { pause, open } = gate();
    release = open;
    let reached = 0;
    const h = await start({ pause, reached: () => reached++ }, { REMOTE_TIMEOUT_MS: '60000', LOCAL_MODULE_LIMITS: 'ledger=2', LOCAL_MAX_QUEUED: '1' });
    const ledger = createClient(ledgerContract, noHttp, 'tester', { local: h.direct.dispatch, handle: h.direct.handles.issue('tester') });
    const running = [ledger.addEntry({ body: { amount: 1 } }), ledger.addEntry({ body: { amount: 2 } })];
    await eventually(() => expect(reached).toBe(2), 20_000);
    const queued = ledger.addEntry({ body: { amount: 3 } });
    await eventually(() => expect(h.direct.stats().ledger).toEqual({ inFlight: 2, queued: 1 }), 20_000);
    const refused = await ledger.addEntry({ body: { amount: 4 } }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ kind: 'unavailable', code: 'http/upstream-saturated', retryAfterSeconds: 1 });
    // The limit holds while they wait: the queued call has not started.
    expect(reached).toBe(2);
    open();
    const answers = await Promise.all([...running, queued]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect((await ledger.totals({})).body).toEqual({ count: 3, total: 6 });
  });

  it('answer with the declared fallback when the provider cannot, on the direct path and over HTTP, never for a 4xx', async () => {
    const { pause, open } = gate();
    release = open;
    const h = await start({ pause }, { REMOTE_TIMEOUT_MS: '60000', LOCAL_MODULE_LIMITS: 'ledger=1', LOCAL_MAX_QUEUED: '0' });
    const fallbacks = { totals: () => ({ status: 200 as const, body: { count: -1, total: -1 } }) };
    const local = createClient(ledgerContract, noHttp, 'tester', { local: h.direct.dispatch, handle: h.direct.handles.issue('tester'), fallbacks });
    const busy = local.addEntry({ body: { amount: 1 } });
    await eventually(() => expect(h.direct.stats().ledger?.inFlight).toBe(1), 20_000);
    const fellBack = await local.totals({});
    expect(fellBack.body).toEqual({ count: -1, total: -1 });
    expect(fellBack.headers.get('cleave-fallback')).toBe('http/upstream-saturated');
    // A per-call fallback overrides the declared one.
    expect((await local.totals({}, { fallback: () => ({ status: 200, body: { count: -2, total: -2 } }) })).body).toEqual({ count: -2, total: -2 });
    open();
    await busy;
    // The provider's own 4xx is the caller's to handle, fallback or not.
    const invalid = await local
      .addEntry({ body: { amount: -1 } }, { fallback: () => ({ status: 201, body: { amount: 0, total: 0 } }) })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(RemoteProblemError);
    expect(invalid).toMatchObject({ problem: { status: 422, code: 'ledger/amount-not-positive' } });

    const down = await closedPort();
    const remote = createClient(ledgerContract, createHttpTransport({ resolve: () => down, log: testLogger(), retries: 0 }), 'tester', { fallbacks });
    const remoteFallback = await remote.totals({});
    expect(remoteFallback.body).toEqual({ count: -1, total: -1 });
    expect(remoteFallback.headers.get('cleave-fallback')).toBe('http/upstream-unavailable');
  });

  it('write no log line for a successful call (the HTTP request that led to it has one)', async () => {
    const lines: Record<string, unknown>[] = [];
    const h = await start({}, {}, lines);
    const ledger = createClient(ledgerContract, noHttp, 'tester', { local: h.direct.dispatch, handle: h.direct.handles.issue('tester') });
    const before = lines.length;
    for (let i = 0; i < 5; i++) await ledger.addEntry({ body: { amount: 1 } });
    expect(lines.slice(before).filter((l) => (l.level as number) >= 30)).toEqual([]);
    // A failure the caller cannot see the cause of is logged with it.
    await h.stop();
    await database?.close();
    const failing = await start({ failAfterEffect: true }, {}, lines);
    const broken = createClient(ledgerContract, noHttp, 'tester', { local: failing.direct.dispatch, handle: failing.direct.handles.issue('tester') });
    expect(await broken.addEntry({ body: { amount: 1 } }).catch((e: unknown) => e)).toMatchObject({ problem: { status: 500, code: 'http/internal' } });
    expect(lines.some((l) => l.msg === 'call failed' && l.level === 50)).toBe(true);
  });
});
