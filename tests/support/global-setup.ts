import process from 'node:process';

/** Says once, up front, which suites run against what, so a skipped variant is never silent. */
export default function setup(): void {
  const lines = [
    process.env.TEST_DATABASE_URL
      ? 'PostgreSQL: database suites run on PGlite and on TEST_DATABASE_URL.'
      : 'PostgreSQL: TEST_DATABASE_URL is not set; database suites run on PGlite only (PostgreSQL variants skipped).',
  ];
  process.stdout.write(`\n${lines.map((l) => `  ${l}`).join('\n')}\n\n`);
}
