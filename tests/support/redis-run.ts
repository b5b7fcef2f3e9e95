import process from 'node:process';
import { deleteKeys, runKeys, testRun } from './redis-keys.ts';

/**
 * A vitest global setup: names the run (see `testRun`) before its workers start, and when the run ends deletes every
 * key its prefixes made in TEST_REDIS_URL. A test cleans up after itself where it can; this catches the rest (the
 * queues of a host killed with SIGKILL, a test that failed half-way), so runs do not pile keys up in a shared Redis.
 */
export function setup(): () => Promise<void> {
  const run = testRun();
  return async () => {
    const url = process.env.TEST_REDIS_URL;
    if (!url) return;
    try {
      await deleteKeys(url, runKeys(run));
    } catch (error) {
      // Best effort: a run whose tests passed does not fail because Redis went away at its end.
      process.stderr.write(`could not delete this run's Redis keys (${runKeys(run)}) from TEST_REDIS_URL: ${String(error)}\n`);
    }
  };
}
