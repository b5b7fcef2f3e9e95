import process from 'node:process';
import { chromiumAvailable, chromiumPath } from './browser.ts';
import { prometheusBinary, prometheusInstalled } from './prometheus-server.ts';

/** Says once, up front, which suites run against what, so a skipped variant is never silent. */
export function setup(): void {
  const lines = [
    process.env.TEST_DATABASE_URL
      ? 'PostgreSQL: database suites run on PGlite and on TEST_DATABASE_URL.'
      : 'PostgreSQL: TEST_DATABASE_URL is not set; database suites run on PGlite only (PostgreSQL variants, data sovereignty and split topologies skipped).',
    process.env.TEST_REDIS_URL
      ? 'Redis: the BullMQ bus, the registry and the split topologies run on TEST_REDIS_URL.'
      : 'Redis: TEST_REDIS_URL is not set; BullMQ bus conformance, registry, split-topology journeys and remote fault suites skipped.',
    chromiumAvailable()
      ? `Browser: CORS runs in headless Chromium (${chromiumPath}).`
      : `Browser: no Chromium at ${chromiumPath} (apt-get install -y chromium); the CORS browser suite skipped.`,
    prometheusInstalled
      ? `Prometheus: a real one (${prometheusBinary}) scrapes a test host.`
      : `Prometheus: none at ${prometheusBinary} (apt-get install -y prometheus); the scrape test skipped.`,
  ];
  process.stdout.write(`\n${lines.map((l) => `  ${l}`).join('\n')}\n\n`);
}
