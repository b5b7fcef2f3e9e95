import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import type { TestProject } from 'vitest/node';

/** The name every temporary folder of Cleave's tests starts with, so they are told apart from other programs' files. */
export const tempPrefix = 'cleave-test-';

/**
 * A vitest global setup: makes one folder for this run's temporary folders (`<tmp>/cleave-test-XXXXXX`, handed to
 * the test files as `inject('tempRoot')`) and, when the run ends, fails it if any test left something in there, then
 * removes the folder. Other runs on the same machine have folders of their own, so a run never judges another's.
 */
export function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), tempPrefix));
  project.provide('tempRoot', root);
  return () => {
    const left = readdirSync(root);
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) {
      // Vitest reports an error thrown here ("error during close") but still exits 0 when the tests passed.
      process.exitCode = 1;
      throw new Error(
        `the tests left ${left.length} temporary folder(s) behind: ${left.join(', ')} (now removed with ${root}). ` +
          'Make them with tempDir() from tests/support/temp-dir.ts in a test or a describe body, or remove them in afterAll or finally.',
      );
    }
  };
}
