import process from 'node:process';
import { chromiumAvailable, chromiumPath } from './browser.ts';
import { prometheusBinary, prometheusInstalled } from './prometheus-server.ts';

/**
 * `npm run test:integration`'s second global setup: says up front whether the suites that need a program from outside
 * npm find it (the operations page and CORS drive Chromium, the scrape test starts Prometheus), so a skipped suite is
 * never silent.
 */
export function setup(): void {
  const lines = [
    chromiumAvailable()
      ? `Browser: the operations page and CORS run in headless Chromium (${chromiumPath}).`
      : `Browser: no Chromium at ${chromiumPath} (apt-get install -y chromium); the operations page and CORS browser suites skipped.`,
    prometheusInstalled
      ? `Prometheus: a real one (${prometheusBinary}) scrapes a test host.`
      : `Prometheus: none at ${prometheusBinary} (apt-get install -y prometheus); the scrape test skipped.`,
  ];
  process.stdout.write(`${lines.map((l) => `  ${l}`).join('\n')}\n\n`);
}
