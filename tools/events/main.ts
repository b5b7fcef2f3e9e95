/**
 * `npm run events -- <action> --url <host URL> …`: the operator's tool for the event pipeline, over a host's ops
 * endpoints: list subscriptions, audit what a broker lost, redrive it, list, replay and discard dead letters.
 * The ops endpoints need an operator's access token, taken from `CLEAVE_TOKEN`.
 * Exit codes: 0 done, 1 the audit found missing deliveries, 2 bad usage, 3 the host refused, could not be reached or
 * did not answer with Cleave's JSON (another server at that URL).
 */
import process from 'node:process';
import { ignoreClosedOutput, parseCommandLine, usageError } from '../../platform/cli/index.ts';
import { stripUrlCredentials } from '../../platform/observability/index.ts';
import { toCommand, usage, type EventsCommand } from './args.ts';

ignoreClosedOutput();

function fail(message: string, code: number): never {
  process.stderr.write(`events: ${message}\n`);
  process.exit(code);
}

const parsed = parseCommandLine({
  name: 'events',
  usage,
  positionals: true,
  options: {
    url: { type: 'string' },
    module: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    consumer: { type: 'string' },
    mode: { type: 'string' },
    id: { type: 'string' },
    reason: { type: 'string' },
  },
});
let command: EventsCommand;
try {
  command = toCommand(parsed.positionals, parsed.values);
} catch (error) {
  usageError({ name: 'events', usage }, error instanceof Error ? error.message : String(error));
}

const window = () => ({
  module: command.module,
  since: command.since,
  ...(command.until ? { until: command.until } : {}),
  ...(command.consumer ? { consumer: command.consumer } : {}),
});

const token = process.env.CLEAVE_TOKEN;
/** The URL as messages show it: a password in it masked. */
const shownUrl = () => stripUrlCredentials(command.url);
function notCleave(): never {
  fail(`${shownUrl()} did not answer with a Cleave JSON response; check --url`, 3);
}

async function send(method: string, path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${command.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    fail(`could not reach ${shownUrl()}: ${stripUrlCredentials(error instanceof Error ? error.message : String(error))}`, 3);
  }
  const json = /^application\/(?:[\w.+-]+\+)?json\b/i.test(response.headers.get('content-type') ?? '');
  const payload = (json ? await response.json().catch(() => undefined) : undefined) as
    { detail?: string; code?: string; errors?: { message?: unknown }[] } | undefined;
  if (response.status === 401 || response.status === 403) {
    const why = token ? 'CLEAVE_TOKEN is not an access token with the operator scope that this host accepts' : 'set CLEAVE_TOKEN to an operator access token';
    fail(`${method} ${path} answered ${response.status}${payload?.code ? ` ${payload.code}` : ''}: ${why}`, 3);
  }
  // A validation problem's detail only counts its errors: each field's own message says what was wrong.
  const fields = Array.isArray(payload?.errors) ? payload.errors.map((e) => e?.message).filter((m): m is string => typeof m === 'string') : [];
  if (!response.ok)
    fail(`${method} ${path} answered ${response.status}${payload?.code ? ` ${payload.code}` : ''}: ${[payload?.detail ?? '', ...fields].join(' ')}`, 3);
  // A 2xx from something else at that URL (a web page, a proxy's placeholder) is not a result to print.
  if (typeof payload !== 'object' || payload === null) notCleave();
  return payload;
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

switch (command.action) {
  case 'subscriptions':
    print(await send('GET', '/ops/events/subscriptions'));
    break;
  case 'audit': {
    const report = (await send('GET', `/ops/events/audit?${new URLSearchParams(window() as Record<string, string>)}`)) as { missingCount?: unknown };
    if (typeof report.missingCount !== 'number') notCleave();
    print(report);
    if (report.missingCount > 0) process.exit(1);
    break;
  }
  case 'redrive':
    print(await send('POST', '/ops/events/redrive', { ...window(), ...(command.mode ? { mode: command.mode } : {}) }));
    break;
  case 'dead-letters':
    print(await send('GET', `/ops/dead-letters${command.module ? `?${new URLSearchParams({ module: command.module })}` : ''}`));
    break;
  case 'replay':
    print(await send('POST', `/ops/dead-letters/${encodeURIComponent(command.id ?? '')}/replay`));
    break;
  case 'discard':
    print(await send('POST', `/ops/dead-letters/${encodeURIComponent(command.id ?? '')}/discard`, { reason: command.reason }));
    break;
}
