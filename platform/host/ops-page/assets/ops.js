// The operations page's script: reads this host's JSON operator routes with the session cookie and renders them.
// Everything shown is set as text (textContent), never parsed as HTML: payloads and errors are attacker-supplied
// text. The page's Content-Security-Policy enforces it (Trusted Types: assigning a string to innerHTML throws).
'use strict';

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const refreshMs = 5000;
/** A read that takes longer is given up: its panel says so and keeps what it showed (the next refresh tries again). */
const readTimeoutMs = 10_000;

/** An element with attributes and children (strings become text nodes). */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (name === 'onclick') node.addEventListener('click', value);
    else node.setAttribute(name, value);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? '')));
  return node;
}

function table(testId, headings, rows, empty) {
  if (rows.length === 0) return el('p', { class: 'empty', 'data-testid': testId }, empty);
  return el(
    'table',
    { 'data-testid': testId },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        headings.map((h) => el('th', {}, h)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((cells) =>
        el(
          'tr',
          {},
          cells.map((c) => el('td', {}, c)),
        ),
      ),
    ),
  );
}

function fill(id, ...content) {
  document.getElementById(id).replaceChildren(...content);
}

class SignedOut extends Error {}

/** A failed read: the problem's detail, or what went wrong, with the HTTP status when there was one. */
class ReadFailed extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** Why a read of `path` failed: it ran out of time, or `detail` (what went wrong with the request or its answer). */
function readFailure(path, error, detail = error?.message) {
  return new ReadFailed(error?.name === 'TimeoutError' ? `${path} did not answer within ${readTimeoutMs / 1000} s` : `${path}: ${detail}`);
}

async function api(path, init = {}) {
  let response;
  try {
    response = await fetch(path, {
      credentials: 'same-origin',
      signal: AbortSignal.timeout(readTimeoutMs),
      ...init,
      headers: { accept: 'application/json', ...(init.headers ?? {}) },
    });
  } catch (error) {
    throw readFailure(path, error);
  }
  if (response.status === 401) throw new SignedOut();
  let body = null;
  if (response.headers.get('content-type')?.includes('json')) {
    try {
      body = await response.json();
    } catch (error) {
      // A 2xx whose body did not arrive in time, or is not JSON: a failed read, not an empty section.
      if (response.ok) throw readFailure(path, error, 'its answer could not be read');
    }
  }
  if (!response.ok) throw new ReadFailed(body?.detail ? `${path}: ${body.detail}` : `${path} answered ${response.status}`, response.status);
  return body;
}

const seconds = (s) => (s === null || s === undefined ? '–' : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(1)} s`);

function renderModules(catalog, health) {
  const results = health?.checks ?? [];
  const statusOf = (module) => {
    const mine = results.filter((r) => r.module === module).map((r) => r.status);
    return mine.includes('fail') ? 'fail' : mine.includes('warn') ? 'warn' : mine.length > 0 ? 'pass' : '–';
  };
  const rows = [
    ...catalog.local.map((m) => [m.module, 'here', m.contractHash.slice(0, 12), statusOf(m.module)]),
    ...catalog.static.map((m) => [m.module, `${m.address} (${m.reachable ? 'reachable' : 'UNREACHABLE'})`, '', m.reachable ? '' : 'fail']),
    ...catalog.registry.instances.map((i) => [
      i.module,
      `${i.address} (registry, ${i.reachable ? 'reachable' : 'unreachable'})`,
      i.contractMatches ? 'contract matches' : 'CONTRACT DIFFERS',
      i.health,
    ]),
  ];
  fill(
    'modules',
    table('modules-table', ['module', 'runs at', 'contract', 'health'], rows, 'No modules.'),
    catalog.registry.error ? el('p', { class: 'error', 'data-testid': 'registry-error' }, `Registry: ${catalog.registry.error}`) : '',
  );
  const checkRows = results.map((r) => [r.module, r.name, r.status, r.detail ?? '', `${r.ms} ms`]);
  fill(
    'health',
    el('p', {}, `Ready: ${health?.status ?? 'unknown'}`),
    table('health-table', ['module', 'check', 'status', 'detail', 'took'], checkRows, 'No checks.'),
  );
  const breakers = Object.entries(catalog.breakers ?? {}).map(([module, b]) => [module, JSON.stringify(b)]);
  return breakers;
}

function renderPipeline(o, breakerRows) {
  fill(
    'pipeline',
    el('h3', {}, 'Outbox'),
    table(
      'outbox-table',
      ['module', 'pending', 'oldest pending'],
      o.outbox.map((r) => [r.module, r.pending, seconds(r.oldestPendingSeconds)]),
      o.metrics ? 'No outbox here.' : 'Metrics are off on this host.',
    ),
    el('h3', {}, 'Queues (BullMQ)'),
    table(
      'queues-table',
      ['module', 'state', 'jobs'],
      o.queues.map((q) => [q.module, q.state, q.jobs]),
      'No BullMQ queues (in-process bus).',
    ),
    el('h3', {}, 'Consumers'),
    table(
      'consumers-table',
      ['consumer', 'handled', 'failed', 'retries', 'dead-lettered', 'mean lag'],
      o.consumers.map((c) => [c.consumer, c.handled, c.failed, c.retries, c.deadLettered, seconds(c.meanLagSeconds)]),
      'No deliveries yet.',
    ),
    el('h3', {}, 'Breakers and bulkheads'),
    table(
      'breakers-table',
      ['remote module', 'state'],
      [...o.breakers.map((b) => [b.module, b.state]), ...breakerRows.filter(([m]) => !o.breakers.some((b) => b.module === m))],
      'No remote modules.',
    ),
    table(
      'bulkheads-table',
      ['provider', 'transport', 'in flight', 'queued', 'capacity'],
      o.bulkheads.map((b) => [b.provider, b.transport, b.inFlight, b.queued, b.capacity]),
      '',
    ),
  );
}

function renderDeadLetters(letters) {
  const rows = letters.items.map((d) => {
    const button = el('button', { type: 'button', 'data-testid': 'replay', 'data-id': d.id }, 'Replay');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const result = await api(`/ops/dead-letters/${encodeURIComponent(d.id)}/replay`, { method: 'POST', headers: { 'x-csrf-token': csrf } });
        fill('replay-status', `Dead letter ${d.id} replayed: ${result.outcome}.`);
      } catch (error) {
        if (error instanceof SignedOut) return location.assign('/ops/sign-in');
        fill('replay-status', `Dead letter ${d.id} could not be replayed: ${error.message}`);
      }
      await refresh();
    });
    // A letter no replay can settle (its consumer runs nowhere) is discarded, with a reason for the audit trail.
    const discard = el('button', { type: 'button', 'data-testid': 'discard', 'data-id': d.id }, 'Discard');
    discard.addEventListener('click', async () => {
      const reason = window.prompt(`Why is dead letter ${d.id.slice(0, 8)} given up? (kept in the audit trail)`)?.trim();
      if (!reason) return;
      discard.disabled = true;
      try {
        await api(`/ops/dead-letters/${encodeURIComponent(d.id)}/discard`, {
          method: 'POST',
          headers: { 'x-csrf-token': csrf, 'content-type': 'application/json' },
          body: JSON.stringify({ reason }),
        });
        fill('replay-status', `Dead letter ${d.id} discarded.`);
      } catch (error) {
        if (error instanceof SignedOut) return location.assign('/ops/sign-in');
        fill('replay-status', `Dead letter ${d.id} could not be discarded: ${error.message}`);
      }
      await refresh();
    });
    return [
      el('code', {}, d.id.slice(0, 8)),
      `${d.module} / ${d.consumer}`,
      `${d.eventName} v${d.eventVersion}`,
      d.attempts,
      d.failedAt,
      el('pre', { class: 'error' }, d.error),
      el('pre', { class: 'payload', 'data-testid': 'payload' }, JSON.stringify(d.envelope.payload ?? d.envelope, null, 2)),
      el('span', { class: 'actions' }, button, discard),
    ];
  });
  fill(
    'dead-letters',
    table('dead-letters-table', ['id', 'module / consumer', 'event', 'attempts', 'failed at', 'error', 'payload', ''], rows, 'No dead letters waiting.'),
  );
}

function renderStuckSagas(sagas) {
  const rows = sagas.items.map((s) => [
    `${s.module} / ${s.name}`,
    el('code', {}, s.id),
    s.attempts,
    s.updatedAt,
    el('pre', { class: 'error' }, s.lastError ?? ''),
    `POST /ops/sagas/${s.module}/${s.id}/retry or /resolve`,
  ]);
  fill('sagas', table('stuck-sagas-table', ['module / saga', 'id', 'attempts', 'stuck since', 'error', 'operator'], rows, 'No stuck sagas.'));
}

function renderProjections(projections) {
  const rows = projections.items.map((p) => {
    const name = `${p.module} / ${p.name}`;
    const button = el('button', { type: 'button', 'data-testid': 'rebuild', 'data-name': name }, 'Rebuild');
    button.addEventListener('click', async () => {
      button.disabled = true;
      const path = `/ops/projections/${encodeURIComponent(p.module)}/${encodeURIComponent(p.name)}/rebuild`;
      try {
        await api(path, { method: 'POST', headers: { 'x-csrf-token': csrf } });
        fill('rebuild-status', `Rebuild of ${name} started.`);
      } catch (error) {
        if (error instanceof SignedOut) return location.assign('/ops/sign-in');
        fill('rebuild-status', `Rebuild of ${name} could not start: ${error.message}`);
      }
      await refresh();
    });
    const rebuild = p.rebuild ? `v${p.version}: ${p.rebuild.handled} handled, ${p.rebuild.lagEvents} to go` : (p.rebuiltAt ?? '');
    return [
      name,
      p.liveVersion === null ? `v${p.version} (not built)` : `v${p.liveVersion}`,
      p.live?.handled ?? 0,
      p.live?.lagEvents ?? 0,
      `${(p.live?.lagSeconds ?? 0).toFixed(1)} s`,
      rebuild,
      el('pre', { class: 'error' }, p.lastError ?? ''),
      button,
    ];
  });
  fill(
    'projections',
    table(
      'projections-table',
      ['module / projection', 'version', 'handled', 'lag (events)', 'lag (age)', 'rebuild', 'last error', ''],
      rows,
      'No projections here.',
    ),
  );
}

function renderRetention(retention) {
  const rows = retention.items.flatMap((job) => {
    const done = new Map((job.lastRun?.tables ?? []).map((t) => [t.table, t]));
    const enforced = job.rules.map((r) => {
      const run = done.get(r.table);
      const removed = run ? `${run.rows} ${r.action === 'anonymise' ? 'anonymised' : 'deleted'}` : '';
      return [
        `${job.module} / ${r.table}`,
        r.retention,
        r.action === 'anonymise' ? `anonymise ${Object.keys(r.anonymise).join(', ')}` : 'delete',
        el('code', {}, r.agedBy),
        job.lastRun?.at ?? 'not yet',
        run?.error ? el('pre', { class: 'error' }, run.error) : removed,
        job.nextRun ?? 'not scheduled',
      ];
    });
    const kept = job.kept.map((k) => [`${job.module} / ${k.table}`, k.retention, k.reason, '', '', '', '']);
    return [...enforced, ...kept];
  });
  fill(
    'retention',
    table(
      'retention-table',
      ['module / table', 'retention', 'past retention', 'aged by', 'last run', 'last run removed', 'next run'],
      rows,
      'No modules here.',
    ),
  );
}

function renderCosts(report) {
  if (!report) return fill('costs', el('p', { class: 'empty' }, 'Metrics are off on this host: no cost figures.'));
  const rows = report.modules.map((m) => [
    m.module,
    m.owner,
    m.costCentre,
    m.requests,
    seconds(m.requestSeconds),
    m.deliveries,
    seconds(m.sagaSeconds),
    seconds(m.databaseSeconds),
    m.eventsPublished,
    m.eventsConsumed,
    `${(m.share * 100).toFixed(1)} %`,
  ]);
  fill(
    'costs',
    el('p', {}, `Last ${Math.round(report.window.seconds / 60)} min; process CPU ${seconds(report.cpuSeconds)}.`),
    table(
      'costs-table',
      ['module', 'owner', 'cost centre', 'requests', 'handler time', 'deliveries', 'saga step time', 'database time', 'published', 'consumed', 'share'],
      rows,
      'No modules here.',
    ),
  );
}

function renderSpans(result, requestId) {
  if (!result.tracing) return fill('trace', el('p', { class: 'empty' }, 'Tracing is off on this host (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT).'));
  const depth = new Map();
  for (const s of result.spans) depth.set(s.spanId, s.parentSpanId && depth.has(s.parentSpanId) ? depth.get(s.parentSpanId) + 1 : 0);
  const rows = result.spans.map((s) => [
    el('span', { class: `depth-${Math.min(depth.get(s.spanId), 8)}` }, s.name),
    s.kind,
    `${s.durationMs.toFixed(2)} ms`,
    s.status,
    s.attributes['cleave.request_id'] ?? s.attributes['cleave.module'] ?? '',
  ]);
  fill(
    'trace',
    table(
      'trace-table',
      ['span', 'kind', 'duration', 'status', ''],
      rows,
      requestId ? `No spans kept for request ${requestId} (not sampled, or too old).` : 'No requests traced yet.',
    ),
  );
}

/** Notes on a panel that its last refresh failed; it keeps what it showed before. A successful render replaces it. */
function markStale(id, reason, since) {
  const panel = document.getElementById(id);
  let note = panel.querySelector(':scope > p.stale');
  if (!note) {
    note = el('p', { class: 'stale', 'data-testid': `stale-${id}` });
    panel.prepend(note);
  }
  note.textContent = `Not refreshed${since ? ` since ${since}` : ''}: ${reason}`;
}

const drawnAt = {};
let refreshing = false;

/**
 * Reads every panel's data at once and draws each panel whose reads answered; a panel whose read failed or timed out
 * keeps what it showed, marked stale with the reason. One refresh at a time: a tick that finds the last one still
 * waiting skips, so a slow host is not sent more reads than one page's worth.
 */
async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const reads = {
      catalog: api('/registry'),
      health: fetch('/health/ready', { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(readTimeoutMs) }).then(
        (r) => r.json(),
        (error) => {
          throw readFailure('/health/ready', error);
        },
      ),
      overview: api('/ops/overview'),
      letters: api('/ops/dead-letters'),
      // Not mounted when metrics are off (404): the panel says so.
      costs: api('/ops/costs?minutes=15').catch((error) => {
        if (error instanceof ReadFailed && error.status === 404) return null;
        throw error;
      }),
      stuck: api('/ops/sagas?state=stuck'),
      projections: api('/ops/projections'),
      retention: api('/ops/retention'),
    };
    const names = Object.keys(reads);
    const settled = await Promise.allSettled(Object.values(reads));
    const got = {};
    const failed = {};
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') got[names[i]] = r.value;
      else failed[names[i]] = r.reason;
    });
    if (Object.values(failed).some((e) => e instanceof SignedOut)) return location.assign('/ops/sign-in');
    const now = new Date().toLocaleTimeString();
    const problems = [];
    const draw = (ids, needs, render) => {
      let reason = needs
        .filter((n) => n in failed)
        .map((n) => failed[n].message)
        .join('; ');
      if (reason === '') {
        try {
          render();
          for (const id of ids) drawnAt[id] = now;
          return;
        } catch (error) {
          reason = `could not be drawn: ${error.message}`;
        }
      }
      problems.push(reason);
      for (const id of ids) markStale(id, reason, drawnAt[id]);
    };
    if (got.overview) fill('host', `${got.overview.service}: ${got.overview.modules.join(', ')}`);
    let breakerRows = [];
    draw(['modules', 'health'], ['catalog', 'health'], () => (breakerRows = renderModules(got.catalog, got.health)));
    draw(['pipeline'], ['overview'], () => renderPipeline(got.overview, breakerRows));
    draw(['dead-letters'], ['letters'], () => renderDeadLetters(got.letters));
    draw(['costs'], ['costs'], () => renderCosts(got.costs));
    draw(['sagas'], ['stuck'], () => renderStuckSagas(got.stuck));
    draw(['projections'], ['projections'], () => renderProjections(got.projections));
    draw(['retention'], ['retention'], () => renderRetention(got.retention));
    const unique = [...new Set(problems)];
    fill('updated', unique.length === 0 ? `Updated ${now}` : `Updated ${now}, except: ${unique.join('; ')}`);
    document.getElementById('updated').classList.toggle('error', unique.length > 0);
    document.body.dataset.loaded = 'true';
  } finally {
    refreshing = false;
  }
}

document.getElementById('trace-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const requestId = document.getElementById('request-id').value.trim();
  try {
    renderSpans(await api(`/ops/traces${requestId ? `?requestId=${encodeURIComponent(requestId)}` : ''}`), requestId);
  } catch (error) {
    if (error instanceof SignedOut) return location.assign('/ops/sign-in');
    fill('trace', el('p', {}, error.message));
  }
});

document.getElementById('sign-out').addEventListener('click', async () => {
  await fetch('/ops/sign-out', { method: 'POST', credentials: 'same-origin', headers: { 'x-csrf-token': csrf } });
  location.assign('/ops/signed-out');
});

void refresh();
setInterval(() => {
  if (!document.getElementById('pause').checked) void refresh();
}, refreshMs);
