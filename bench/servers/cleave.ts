/**
 * The same route through the whole Cleave stack: the real host (in-memory PGlite, every module of the monolith plus
 * the bench module that serves the route, relays running) with its request id, execution context, logging, secure
 * headers, body checks, zod validation and problem mapping. JSON logs go to /dev/null, counted.
 */
import { modules } from '../../apps/modules.ts';
import { loadConfig } from '../../platform/config/index.ts';
import { createHost, serve } from '../../platform/host/index.ts';
import { createLogger } from '../../platform/observability/index.ts';
import { benchModule } from '../module/index.ts';
import { adminToken, announceReady, authOn, benchAdminSecret, countedLog } from './shared.ts';
import { otlpSink } from './otlp-sink.ts';

// BENCH_TRACING=<ratio>: spans of every request (that share sampled) exported over OTLP/HTTP, batched, to a sink
// that reads and drops them; the sink runs in this process, so its (small) cost is counted with the server's.
const tracingRatio = process.env.BENCH_TRACING;
const sink = tracingRatio === undefined ? undefined : await otlpSink();

// The load comes from one address: the per-IP limit still counts every request (its cost is measured), never refuses.
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  DATA_DIR: 'memory',
  DEMO_DATA: 'false',
  RATE_LIMIT_PER_IP: '1000000000/60s',
  ...(process.env.BENCH_RATE_LIMIT === 'false' ? { RATE_LIMIT: 'false' } : {}),
  // Metrics are on by default, as in production; BENCH_METRICS=false measures their cost by difference.
  ...(process.env.BENCH_METRICS === 'false' ? { METRICS_ENABLED: 'false' } : {}),
  RATE_LIMIT_PER_CLIENT: '1000000000/60s',
  // The bootstrap client gives the load its token (scope bench:read among every scope), for BENCH_AUTH=1.
  IDENTITY_ADMIN_SECRET: benchAdminSecret,
  ACCESS_TOKEN_TTL: '1h',
  ...(sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER_ARG: tracingRatio as string } : {}),
});
const log = countedLog();
const host = await createHost({ config, modules: [...modules, benchModule], logger: createLogger({ ...config.log, destination: log.destination }) });
const server = await serve(host, { host: '127.0.0.1', port: 0 });
const token = authOn ? await adminToken(async (path, init) => host.app.request(path, init), 'bench:read') : undefined;
announceReady(
  Number(new URL(server.url).port),
  async () => {
    await server.close();
    await host.stop();
    await sink?.close();
  },
  log,
  token,
);
