import process from 'node:process';

/** Says once, up front, which databases and buses the suites run against, so a skipped variant is never silent. */
export function setup(): void {
  const lines = [
    process.env.TEST_DATABASE_URL
      ? 'PostgreSQL: database suites run on PGlite and on TEST_DATABASE_URL.'
      : 'PostgreSQL: TEST_DATABASE_URL is not set; database suites run on PGlite only (PostgreSQL variants, data sovereignty and split topologies skipped).',
    process.env.TEST_REDIS_URL
      ? 'Redis: the BullMQ bus, the registry and the split topologies run on TEST_REDIS_URL.'
      : 'Redis: TEST_REDIS_URL is not set; BullMQ bus conformance, registry, split-topology journeys and remote fault suites skipped.',
  ];
  process.stdout.write(`\n${lines.map((l) => `  ${l}`).join('\n')}\n\n`);
}
