import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { modules } from '../../apps/modules.ts';
import { slosOf } from '../../platform/host/index.ts';
import { inventoryModule } from '../../modules/inventory/index.ts';
import { alertRules, type AlertRule } from '../../tools/alerts/rules.ts';
import { tempDir } from '../support/temp-dir.ts';

const promtool = '/usr/bin/promtool';
const installed = existsSync(promtool);
const rulesFile = resolve('deploy/prometheus/cleave-alerts.yml');
const rules = alertRules(modules, 'docs/runbooks').flatMap((g) => g.rules);
const dir = tempDir('alerts');

/** What promtool expects of a firing alert: its labels (the rule's, the series', `alertname`) and expanded annotations. */
function firing(rule: AlertRule, labels: Record<string, string> = {}, annotations: Partial<AlertRule['annotations']> = {}) {
  return { exp_labels: { ...rule.labels, ...labels }, exp_annotations: { ...rule.annotations, ...annotations } };
}
const rulesNamed = (name: string) => rules.filter((r) => r.alert === name);
const one = (name: string) => rulesNamed(name)[0] as AlertRule;

describe('alert rules from the modules’ SLOs (npm run alerts)', () => {
  it('the committed rule file is what the modules give, and every runbook it names exists', () => {
    const text = readFileSync(rulesFile, 'utf8');
    expect(text).toContain(stringify({ groups: alertRules(modules, 'docs/runbooks') }, { lineWidth: 0 }));
    for (const url of new Set(rules.map((r) => r.annotations.runbook_url))) expect(existsSync(resolve(url)), url).toBe(true);
    expect(new Set(rules.map((r) => r.alert))).toEqual(
      new Set([
        ...modules.flatMap((m) =>
          ['Read', 'Write'].flatMap((c) => ['Availability', 'Latency'].map((k) => `Cleave${m.name[0]?.toUpperCase()}${m.name.slice(1)}${c}${k}BudgetBurn`)),
        ),
        'CleaveOutboxStale',
        'CleaveDeadLetters',
        'CleaveSagasStuck',
        'CleaveProjectionLag',
        'CleaveRetentionStale',
        'CleaveBreakerOpen',
        'CleaveConsumerLag',
        'CleaveEventBrokerDataLost',
        'CleaveInstanceDown',
      ]),
    );
  });

  it.skipIf(!installed)('pass promtool check rules', () => {
    const result = spawnSync(promtool, ['check', 'rules', rulesFile], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it.skipIf(!installed)('fire when they should and stay quiet when they should (promtool test rules)', { timeout: 60_000 }, () => {
    const catalogRead = 'CleaveCatalogReadAvailabilityBudgetBurn';
    const inventoryWriteLatency = 'CleaveInventoryWriteLatencyBudgetBurn';
    const get = 'module="catalog",operation="GET /catalog/v1/products"';
    const post = 'module="inventory",operation="POST /inventory/v1/stock/{productId}/receipts"';
    const writeThreshold = slosOf(inventoryModule).write.latency.thresholdSeconds;
    const tests = [
      {
        // 10 % of catalog's reads fail for two hours: every burn window of the read availability SLO fires.
        interval: '1m',
        input_series: [
          { series: `cleave_http_requests_total{${get},status="200"}`, values: '0+90x130' },
          { series: `cleave_http_requests_total{${get},status="500"}`, values: '0+10x130' },
        ],
        alert_rule_test: [
          { eval_time: '70m', alertname: catalogRead, exp_alerts: rulesNamed(catalogRead).map((r) => firing(r)) },
          { eval_time: '70m', alertname: 'CleaveCatalogWriteAvailabilityBudgetBurn', exp_alerts: [] },
          { eval_time: '70m', alertname: 'CleaveCatalogReadLatencyBudgetBurn', exp_alerts: [] },
        ],
      },
      {
        // 0.05 % failing is inside a 99.9 % objective: nothing fires.
        interval: '1m',
        input_series: [
          { series: `cleave_http_requests_total{${get},status="200"}`, values: '0+1999x130' },
          { series: `cleave_http_requests_total{${get},status="503"}`, values: '0+1x130' },
        ],
        alert_rule_test: [{ eval_time: '70m', alertname: catalogRead, exp_alerts: [] }],
      },
      {
        // A gateway forwards inventory's reads and answers 503 while inventory is down: neither of inventory's classes
        // counts it (the breaker and instance alerts do); served, the host that serves it counts the request once.
        interval: '1m',
        input_series: [
          { series: 'cleave_http_requests_total{module="inventory",operation="(forwarded)",status="503"}', values: '0+50x130' },
          { series: 'cleave_http_requests_total{module="inventory",operation="(forwarded)",status="200"}', values: '0+50x130' },
          { series: 'cleave_http_requests_total{module="inventory",operation="(unmatched)",status="404"}', values: '0+50x130' },
          { series: 'cleave_http_requests_total{module="inventory",operation="GET /inventory/v1/stock/{productId}",status="200"}', values: '0+50x130' },
        ],
        alert_rule_test: [
          { eval_time: '70m', alertname: 'CleaveInventoryWriteAvailabilityBudgetBurn', exp_alerts: [] },
          { eval_time: '70m', alertname: 'CleaveInventoryReadAvailabilityBudgetBurn', exp_alerts: [] },
        ],
      },
      {
        // Half of inventory's stock receipts take longer than its write threshold: the write latency SLO burns.
        interval: '1m',
        input_series: [
          { series: `cleave_http_request_duration_seconds_bucket{${post},le="${writeThreshold}"}`, values: '0+50x130' },
          { series: `cleave_http_request_duration_seconds_count{${post}}`, values: '0+100x130' },
        ],
        alert_rule_test: [{ eval_time: '70m', alertname: inventoryWriteLatency, exp_alerts: rulesNamed(inventoryWriteLatency).map((r) => firing(r)) }],
      },
      {
        interval: '1m',
        input_series: [
          { series: 'cleave_outbox_oldest_pending_age_seconds{module="catalog",instance="a:3000",job="cleave"}', values: '120x20' },
          {
            series: 'cleave_event_dead_letters_pending{module="inventory",consumer="inventory:trackProducts",instance="a:3000",job="cleave"}',
            values: '0 0 1x20',
          },
          // A second replica reads the same one dead letter from the same table.
          {
            series: 'cleave_event_dead_letters_pending{module="inventory",consumer="inventory:trackProducts",instance="b:3000",job="cleave"}',
            values: '0 0 1x20',
          },
          { series: 'cleave_sagas{module="ordering",state="stuck",instance="a:3000",job="cleave"}', values: '0 0 2x20' },
          { series: 'cleave_sagas{module="ordering",state="running",instance="a:3000",job="cleave"}', values: '5x20' },
          { series: 'cleave_projection_lag_seconds{module="ordering",projection="order-list",instance="a:3000",job="cleave"}', values: '600x20' },
          { series: 'cleave_projection_lag_seconds{module="ordering",projection="order-detail",instance="a:3000",job="cleave"}', values: '30x20' },
          { series: 'cleave_remote_breaker_state{module="inventory",state="open",instance="a:3000",job="cleave"}', values: '1x20' },
          { series: 'cleave_remote_breaker_state{module="inventory",state="open",instance="b:3000",job="cleave"}', values: '1x20' },
          { series: 'cleave_remote_breaker_state{module="inventory",state="open",instance="c:3000",job="cleave"}', values: '0x20' },
          // Payments' retention job last ran four hours before the test's clock starts; ordering's runs every minute.
          { series: 'cleave_retention_last_run_timestamp_seconds{module="payments",instance="a:3000",job="cleave"}', values: '-14400x30' },
          { series: 'cleave_retention_last_run_timestamp_seconds{module="ordering",instance="a:3000",job="cleave"}', values: '0+60x30' },
          { series: 'cleave_remote_breaker_state{module="catalog",state="open",instance="a:3000",job="cleave"}', values: '0x20' },
          { series: 'up{job="cleave",instance="10.0.0.7:3001"}', values: '0x20' },
          { series: 'up{job="cleave",instance="10.0.0.8:3001"}', values: '1x20' },
          { series: 'cleave_event_consumer_lag_seconds_bucket{consumer="inventory:trackProducts",le="60"}', values: '0x30' },
          { series: 'cleave_event_consumer_lag_seconds_bucket{consumer="inventory:trackProducts",le="300"}', values: '0+10x30' },
          { series: 'cleave_event_consumer_lag_seconds_bucket{consumer="inventory:trackProducts",le="+Inf"}', values: '0+10x30' },
          // Redis restarts empty at minute 5; the two hosts that knew the subscription table each count it once.
          { series: 'cleave_event_broker_data_lost_total{instance="a:3000",job="cleave"}', values: '0x4 1x60' },
          { series: 'cleave_event_broker_data_lost_total{instance="b:3000",job="cleave"}', values: '0x4 1x60' },
        ],
        alert_rule_test: [
          // Not yet: the outbox has been stale for less than five minutes.
          { eval_time: '3m', alertname: 'CleaveOutboxStale', exp_alerts: [] },
          {
            eval_time: '10m',
            alertname: 'CleaveOutboxStale',
            exp_alerts: [
              firing(
                one('CleaveOutboxStale'),
                { module: 'catalog' },
                {
                  summary: 'catalog: events wait in the outbox',
                  description: "catalog's oldest undispatched event is 2m 0s old: the relay cannot hand events to the bus.",
                },
              ),
            ],
          },
          {
            eval_time: '10m',
            alertname: 'CleaveDeadLetters',
            exp_alerts: [
              firing(
                one('CleaveDeadLetters'),
                { module: 'inventory', consumer: 'inventory:trackProducts' },
                {
                  summary: 'inventory:trackProducts: dead letters wait for an operator',
                  description: '1 event(s) could not be delivered to inventory:trackProducts and wait in its dead letters.',
                },
              ),
            ],
          },
          {
            eval_time: '10m',
            alertname: 'CleaveSagasStuck',
            exp_alerts: [
              firing(
                one('CleaveSagasStuck'),
                { module: 'ordering' },
                {
                  summary: 'ordering: stuck sagas wait for an operator',
                  description:
                    "2 of ordering's sagas could not be compensated after every attempt, or had a step refused past the point of no return; retry or resolve them.",
                },
              ),
            ],
          },
          {
            // Ten minutes at 600 s behind: order-list fires; order-detail, 30 s behind, does not.
            eval_time: '15m',
            alertname: 'CleaveProjectionLag',
            exp_alerts: [
              firing(
                one('CleaveProjectionLag'),
                { module: 'ordering', projection: 'order-list' },
                {
                  summary: 'ordering/order-list: the read model is behind its streams',
                  description: 'The oldest event order-list has not handled yet is 10m 0s old: reads from it are stale.',
                },
              ),
            ],
          },
          // Not yet: stale for less than fifteen minutes.
          { eval_time: '10m', alertname: 'CleaveRetentionStale', exp_alerts: [] },
          {
            eval_time: '20m',
            alertname: 'CleaveRetentionStale',
            exp_alerts: [
              firing(
                one('CleaveRetentionStale'),
                { module: 'payments' },
                {
                  summary: 'payments: rows past their retention are not being removed',
                  description: "payments's retention job last finished a run 4h 20m 0s ago: data is kept longer than declared.",
                },
              ),
            ],
          },
          {
            eval_time: '10m',
            alertname: 'CleaveBreakerOpen',
            exp_alerts: [
              firing(
                one('CleaveBreakerOpen'),
                { module: 'inventory' },
                {
                  summary: 'calls to inventory are refused by an open circuit breaker',
                  description:
                    '2 host(s) stopped calling inventory after repeated failures; their callers get 503 or their fallback. cleave_remote_breaker_state{state="open"} == 1 names them (label instance).',
                },
              ),
            ],
          },
          {
            eval_time: '10m',
            alertname: 'CleaveInstanceDown',
            exp_alerts: [
              firing(
                one('CleaveInstanceDown'),
                { job: 'cleave', instance: '10.0.0.7:3001' },
                {
                  summary: '10.0.0.7:3001 does not answer scrapes',
                  description: 'Prometheus has not reached 10.0.0.7:3001 for two minutes; it is likely gone from the registry too.',
                },
              ),
            ],
          },
          { eval_time: '4m', alertname: 'CleaveEventBrokerDataLost', exp_alerts: [] },
          // One alert for one loss, however many hosts noticed it; gone 30 minutes later.
          { eval_time: '10m', alertname: 'CleaveEventBrokerDataLost', exp_alerts: [firing(one('CleaveEventBrokerDataLost'))] },
          { eval_time: '40m', alertname: 'CleaveEventBrokerDataLost', exp_alerts: [] },
          {
            eval_time: '25m',
            alertname: 'CleaveConsumerLag',
            exp_alerts: [
              firing(
                one('CleaveConsumerLag'),
                { consumer: 'inventory:trackProducts' },
                {
                  summary: 'inventory:trackProducts handles events late',
                  description: 'The slowest 1 % of deliveries to inventory:trackProducts start 4m 57s after their event occurred.',
                },
              ),
            ],
          },
        ],
      },
    ];
    const testFile = join(dir, 'cleave-alerts.test.yml');
    writeFileSync(testFile, stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests }, { lineWidth: 0 }));
    const result = spawnSync(promtool, ['test', 'rules', testFile], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
