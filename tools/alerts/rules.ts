import { slosOf, type ModuleDefinition, type OperationClass } from '../../platform/host/index.ts';

/** A Prometheus alerting rule, as the rule file holds it. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

/**
 * Multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs", table 5-8, for a 30-day objective):
 * a page when 2 % of the month's error budget burns in an hour (14.4× the sustainable rate, over 1 h and 5 m), or 5 % in
 * six hours (6×, over 6 h and 30 m); a ticket when 10 % burns in three days (1×, over 3 d and 6 h). The short window
 * makes the alert stop soon after the burning does.
 */
const burnWindows = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'page' },
  { long: '6h', short: '30m', factor: 6, severity: 'page' },
  { long: '3d', short: '6h', factor: 1, severity: 'ticket' },
] as const;

/**
 * Each class names its methods: what a gateway forwards (`(forwarded)`, counted again by the host that serves it) and
 * what matched no route (`(unmatched)`) belong to neither, so no request counts twice and none lands in the wrong class.
 */
const classes: Record<OperationClass, { selector: string; words: string }> = {
  read: { selector: 'operation=~"(GET|HEAD) .*"', words: 'reads' },
  write: { selector: 'operation=~"(POST|PUT|PATCH|DELETE) .*"', words: 'writes' },
};

const pascal = (name: string) => name.replace(/(^|-)(\w)/g, (_, __: string, c: string) => c.toUpperCase());
const percent = (ratio: number) => `${Math.round(ratio * 100_000) / 1000} %`;

/** Error ratio of one module's operation class over `window`: answers ≥ 500 among all answers. */
function errorRatio(module: string, selector: string, window: string): string {
  const base = `module="${module}",${selector}`;
  return `(sum(rate(cleave_http_requests_total{${base},status=~"5.."}[${window}])) / sum(rate(cleave_http_requests_total{${base}}[${window}])))`;
}

/** Share of answers slower than `threshold` (a histogram bound) over `window`. */
function slowRatio(module: string, selector: string, threshold: number, window: string): string {
  const base = `module="${module}",${selector}`;
  return `(1 - sum(rate(cleave_http_request_duration_seconds_bucket{${base},le="${threshold}"}[${window}])) / sum(rate(cleave_http_request_duration_seconds_count{${base}}[${window}])))`;
}

function burnRule(
  alert: string,
  module: string,
  kind: OperationClass,
  what: string,
  budget: number,
  ratio: (window: string) => string,
  runbooks: string,
  runbook: 'availability' | 'latency',
): AlertRule[] {
  return burnWindows.map((w) => ({
    alert,
    expr: `${ratio(w.long)} > ${w.factor} * ${budget.toPrecision(6).replace(/0+$/, '')}\nand\n${ratio(w.short)} > ${w.factor} * ${budget.toPrecision(6).replace(/0+$/, '')}`,
    labels: { severity: w.severity, module, class: kind, window: w.long },
    annotations: {
      summary: `${module} ${classes[kind].words}: ${what} error budget burning ${w.factor}× too fast`,
      description: `Over the last ${w.long} (and ${w.short}), ${module}'s ${classes[kind].words} spent their ${what} error budget at ${w.factor} times the rate the 30-day objective allows.`,
      runbook_url: `${runbooks}/cleave-${runbook}-budget-burn.md`,
    },
  }));
}

/** The SLO burn-rate alerts of every module, and the platform's own alerts. */
export function alertRules(modules: readonly ModuleDefinition[], runbooks: string): RuleGroup[] {
  const slo: AlertRule[] = [];
  for (const m of modules) {
    const objectives = slosOf(m);
    for (const kind of ['read', 'write'] as const) {
      const o = objectives[kind];
      const { selector } = classes[kind];
      const name = `Cleave${pascal(m.name)}${kind === 'read' ? 'Read' : 'Write'}`;
      slo.push(
        ...burnRule(
          `${name}AvailabilityBudgetBurn`,
          m.name,
          kind,
          `availability (${percent(o.availability)})`,
          1 - o.availability,
          (w) => errorRatio(m.name, selector, w),
          runbooks,
          'availability',
        ),
        ...burnRule(
          `${name}LatencyBudgetBurn`,
          m.name,
          kind,
          `latency (${percent(o.latency.objective)} within ${o.latency.thresholdSeconds} s)`,
          1 - o.latency.objective,
          (w) => slowRatio(m.name, selector, o.latency.thresholdSeconds, w),
          runbooks,
          'latency',
        ),
      );
    }
  }
  const platform: AlertRule[] = [
    {
      alert: 'CleaveOutboxStale',
      expr: 'max by (module) (cleave_outbox_oldest_pending_age_seconds) > 60',
      for: '5m',
      labels: { severity: 'page' },
      annotations: {
        summary: '{{ $labels.module }}: events wait in the outbox',
        description: "{{ $labels.module }}'s oldest undispatched event is {{ $value | humanizeDuration }} old: the relay cannot hand events to the bus.",
        runbook_url: `${runbooks}/cleave-outbox-stale.md`,
      },
    },
    {
      alert: 'CleaveDeadLetters',
      // Every replica of a module reads the same table: max, not sum, or two replicas would double the count.
      expr: 'max by (module, consumer) (cleave_event_dead_letters_pending) > 0',
      for: '1m',
      labels: { severity: 'ticket' },
      annotations: {
        summary: '{{ $labels.consumer }}: dead letters wait for an operator',
        description: '{{ $value }} event(s) could not be delivered to {{ $labels.consumer }} and wait in its dead letters.',
        runbook_url: `${runbooks}/cleave-dead-letters.md`,
      },
    },
    {
      alert: 'CleaveSagasStuck',
      expr: 'max by (module) (cleave_sagas{state="stuck"}) > 0',
      for: '1m',
      labels: { severity: 'ticket' },
      annotations: {
        summary: '{{ $labels.module }}: stuck sagas wait for an operator',
        description:
          "{{ $value }} of {{ $labels.module }}'s sagas could not be compensated after every attempt, or had a step refused past the point of no return; retry or resolve them.",
        runbook_url: `${runbooks}/cleave-sagas-stuck.md`,
      },
    },
    {
      alert: 'CleaveProjectionLag',
      expr: 'max by (module, projection) (cleave_projection_lag_seconds) > 300',
      for: '10m',
      labels: { severity: 'ticket' },
      annotations: {
        summary: '{{ $labels.module }}/{{ $labels.projection }}: the read model is behind its streams',
        description: 'The oldest event {{ $labels.projection }} has not handled yet is {{ $value | humanizeDuration }} old: reads from it are stale.',
        runbook_url: `${runbooks}/cleave-projection-lag.md`,
      },
    },
    {
      // PRUNE_INTERVAL is 1h by default: three missed runs. The gauge appears with a host's first finished run, a
      // minute after it starts; a run in which a table failed does not count.
      alert: 'CleaveRetentionStale',
      expr: 'time() - max by (module) (cleave_retention_last_run_timestamp_seconds) > 3 * 3600',
      for: '15m',
      labels: { severity: 'ticket' },
      annotations: {
        summary: '{{ $labels.module }}: rows past their retention are not being removed',
        description: "{{ $labels.module }}'s retention job last finished a run {{ $value | humanizeDuration }} ago: data is kept longer than declared.",
        runbook_url: `${runbooks}/cleave-retention-stale.md`,
      },
    },
    {
      alert: 'CleaveBreakerOpen',
      // One alert per remote module (not per calling replica); its value says on how many hosts the breaker is open.
      expr: 'count by (module) (cleave_remote_breaker_state{state="open"} == 1)',
      for: '1m',
      labels: { severity: 'page' },
      annotations: {
        summary: 'calls to {{ $labels.module }} are refused by an open circuit breaker',
        description:
          '{{ $value }} host(s) stopped calling {{ $labels.module }} after repeated failures; their callers get 503 or their fallback. cleave_remote_breaker_state{state="open"} == 1 names them (label instance).',
        runbook_url: `${runbooks}/cleave-breaker-open.md`,
      },
    },
    {
      alert: 'CleaveEventBrokerDataLost',
      // Every host that knew the table notices the same loss: counted once, however many hosts there are.
      expr: 'max(increase(cleave_event_broker_data_lost_total[30m])) > 0',
      labels: { severity: 'page' },
      annotations: {
        summary: 'Redis lost the event subscription table: events it held may be lost',
        description:
          'A host found Redis without the event data it knew (restarted empty, flushed, or failed over to a replica without it) within the last 30 minutes. Jobs waiting for consumers were lost with it: audit each producing module and redrive what is missing.',
        runbook_url: `${runbooks}/cleave-event-broker-data-lost.md`,
      },
    },
    {
      alert: 'CleaveConsumerLag',
      expr: 'histogram_quantile(0.99, sum by (consumer, le) (rate(cleave_event_consumer_lag_seconds_bucket[5m]))) > 60',
      for: '10m',
      labels: { severity: 'ticket' },
      annotations: {
        summary: '{{ $labels.consumer }} handles events late',
        description: 'The slowest 1 % of deliveries to {{ $labels.consumer }} start {{ $value | humanizeDuration }} after their event occurred.',
        runbook_url: `${runbooks}/cleave-consumer-lag.md`,
      },
    },
    {
      alert: 'CleaveInstanceDown',
      expr: 'up{job=~"cleave.*"} == 0',
      for: '2m',
      labels: { severity: 'page' },
      annotations: {
        summary: '{{ $labels.instance }} does not answer scrapes',
        description: 'Prometheus has not reached {{ $labels.instance }} for two minutes; it is likely gone from the registry too.',
        runbook_url: `${runbooks}/cleave-instance-down.md`,
      },
    },
  ];
  return [
    { name: 'cleave-slo-burn', rules: slo },
    { name: 'cleave-platform', rules: platform },
  ];
}
