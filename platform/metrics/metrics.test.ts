import { describe, expect, it } from 'vitest';
import { Gauge, Registry } from 'prom-client';
import type { RouteContract } from '../http/index.ts';
import { parseExposition, valueOf } from '../../tests/support/prometheus-text.ts';
import { cellCounter, cellHistogram, observe } from './cells.ts';
import { collectors } from './collect.ts';
import { createMetrics } from './metrics.ts';
import { histogramDelaySeconds } from './runtime-metrics.ts';

const route = (operation: string): RouteContract => ({ operation, request: {}, problems: {}, idempotencyKey: false });

describe('metrics text output', () => {
  it('a cell histogram writes cumulative buckets, +Inf, sum and count in seconds', async () => {
    const registry = new Registry();
    const family = cellHistogram(registry, 'x_duration_seconds', 'help', [0.1, 1]);
    const cell = family.cell({ module: 'm' });
    for (const v of [0.05, 0.5, 0.7, 3]) observe(cell, v);
    const samples = parseExposition(await registry.metrics());
    expect(valueOf(samples, 'x_duration_seconds_bucket', { module: 'm', le: '0.1' })).toBe(1);
    expect(valueOf(samples, 'x_duration_seconds_bucket', { module: 'm', le: '1' })).toBe(3);
    expect(valueOf(samples, 'x_duration_seconds_bucket', { module: 'm', le: '+Inf' })).toBe(4);
    expect(valueOf(samples, 'x_duration_seconds_sum', { module: 'm' })).toBeCloseTo(4.25);
    expect(valueOf(samples, 'x_duration_seconds_count', { module: 'm' })).toBe(4);
    expect(await registry.metrics()).toContain('# TYPE x_duration_seconds histogram');
  });

  it('a cell counter is one series per label set, made once', async () => {
    const registry = new Registry();
    const family = cellCounter(registry, 'x_total', 'help');
    expect(family.cell({ a: '1' })).toBe(family.cell({ a: '1' }));
    family.cell({ a: '1' }).value += 2;
    expect(await registry.metrics()).toContain('# TYPE x_total counter\nx_total{a="1"} 2');
  });

  it('requests are labelled by operation template, never by the raw path or an id', async () => {
    const metrics = createMetrics({ collectTimeoutMs: 1000, remoteModules: new Set(['billing']), modules: [] });
    const id = crypto.randomUUID();
    const getProduct = route('GET /catalog/v1/products/{id}');
    metrics.observeRequest(getProduct, 'catalog', 200, undefined, 0.002);
    metrics.observeRequest(getProduct, 'catalog', 404, 'catalog/product-not-found', 0.001);
    metrics.observeRequest(undefined, 'catalog', 404, 'http/not-found', 0.001);
    metrics.observeRequest(undefined, 'billing', 502, undefined, 0.01);
    metrics.observeRequest(undefined, undefined, 200, undefined, 0.001);
    const samples = parseExposition(await metrics.text());
    metrics.close();
    const op = { module: 'catalog', operation: 'GET /catalog/v1/products/{id}' };
    expect(valueOf(samples, 'cleave_http_requests_total', { ...op, status: '200' })).toBe(1);
    expect(valueOf(samples, 'cleave_http_request_errors_total', { ...op, status: '404', problem: 'catalog/product-not-found' })).toBe(1);
    expect(valueOf(samples, 'cleave_http_request_errors_total', { module: 'catalog', operation: '(unmatched)', problem: 'http/not-found' })).toBe(1);
    expect(valueOf(samples, 'cleave_http_request_errors_total', { module: 'billing', operation: '(forwarded)', status: '502', problem: 'none' })).toBe(1);
    expect(valueOf(samples, 'cleave_http_requests_total', { module: 'platform', operation: '(unmatched)' })).toBe(1);
    for (const s of samples) for (const v of Object.values(s.labels)) expect(v).not.toContain(id);
  });

  it('a broker that lost its data is counted from 0, so an alert sees the first loss', async () => {
    const metrics = createMetrics({ collectTimeoutMs: 1000, remoteModules: new Set(), modules: [] });
    expect(valueOf(parseExposition(await metrics.text()), 'cleave_event_broker_data_lost_total', {})).toBe(0);
    metrics.events.delivery.brokerDataLost?.();
    expect(valueOf(parseExposition(await metrics.text()), 'cleave_event_broker_data_lost_total', {})).toBe(1);
    metrics.close();
  });

  it('module calls are counted by caller, provider and transport, failures by problem code only', async () => {
    const metrics = createMetrics({ collectTimeoutMs: 1000, remoteModules: new Set(['billing']), modules: [] });
    const toBilling = metrics.callMeter('ordering', 'billing');
    toBilling.record(false, 0.01, undefined);
    toBilling.record(false, 0.02, Object.assign(new Error('x'), { code: 'billing/card-declined' }));
    toBilling.record(false, 0.02, new Error(`aborted ${crypto.randomUUID()}`));
    metrics.callMeter('ordering', 'inventory').record(true, 0.001, undefined);
    const samples = parseExposition(await metrics.text());
    metrics.close();
    const http = { caller: 'ordering', provider: 'billing', transport: 'http' };
    expect(valueOf(samples, 'cleave_module_calls_total', { ...http, outcome: 'ok' })).toBe(1);
    expect(valueOf(samples, 'cleave_module_calls_total', { ...http, outcome: 'error' })).toBe(2);
    expect(valueOf(samples, 'cleave_module_call_errors_total', { ...http, problem: 'billing/card-declined' })).toBe(1);
    expect(valueOf(samples, 'cleave_module_call_errors_total', { ...http, problem: 'none' })).toBe(1);
    expect(valueOf(samples, 'cleave_module_calls_total', { caller: 'ordering', provider: 'inventory', transport: 'in-process', outcome: 'ok' })).toBe(1);
  });

  it('a scrape-time collector that never finishes does not hang the scrape: its gauge keeps its value and the failure is counted', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'x_depth', help: 'help', registers: [registry] });
    gauge.set(7);
    const collect = collectors(registry, 300);
    collect.add('stuck', () => new Promise<void>(() => {}));
    collect.add('fine', async () => gauge.inc());
    await collect.run();
    const samples = parseExposition(await registry.metrics());
    expect(valueOf(samples, 'x_depth')).toBe(8);
    expect(valueOf(samples, 'cleave_metrics_collect_failures_total', { collector: 'stuck' })).toBe(1);
  });

  it('a collector still waiting from an earlier scrape is not started again: one waiting read at most, each scrape that skips it counted', async () => {
    const registry = new Registry();
    const collect = collectors(registry, 50);
    let started = 0;
    let release = () => {};
    collect.add('locked', () => {
      started++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    for (let i = 0; i < 4; i++) await collect.run();
    expect(started).toBe(1);
    expect(valueOf(parseExposition(await registry.metrics()), 'cleave_metrics_collect_failures_total', { collector: 'locked' })).toBe(4);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    await collect.run();
    expect(started).toBe(2);
  });

  it('process and event-loop series are present, CPU time as counters', async () => {
    const metrics = createMetrics({
      collectTimeoutMs: 1000,
      remoteModules: new Set(),
      modules: [{ name: 'catalog', version: '1.0.0', owner: 'team-a', costCentre: 'cc-1', hosted: true }],
    });
    const text = await metrics.text();
    metrics.close();
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_p99_seconds gauge');
    expect(text).toContain('cleave_module_info{module="catalog",version="1.0.0",owner="team-a",cost_centre="cc-1",hosted="true"} 1');
  });

  it('each host has its own registry: two never share series', async () => {
    const a = createMetrics({ collectTimeoutMs: 1000, remoteModules: new Set(), modules: [] });
    const b = createMetrics({ collectTimeoutMs: 1000, remoteModules: new Set(), modules: [] });
    a.observeRequest(route('GET /a'), 'a', 200, undefined, 0.001);
    expect(await b.text()).not.toContain('GET /a');
    a.close();
    b.close();
  });
});

describe("Node's event-loop delay histogram", () => {
  it('is read without its sampling period: an idle loop (one sample per 10 ms period) is no delay, a late timer its lateness', () => {
    expect(histogramDelaySeconds(10_084_352, 10)).toBeCloseTo(0.000084, 6);
    expect(histogramDelaySeconds(9_100_000, 10)).toBe(0);
    expect(histogramDelaySeconds(260_000_000, 10)).toBeCloseTo(0.25, 9);
    expect(histogramDelaySeconds(Number.NaN, 10)).toBe(0);
  });
});
