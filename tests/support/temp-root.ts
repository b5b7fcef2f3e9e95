import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import type { TestProject } from 'vitest/node';

/** The name every temporary folder of Cleave's tests starts with, so they are told apart from other programs' files. */
export const tempPrefix = 'cleave-test-';

/**
 * The sub-folder for folders asked for outside a test. They are removed after their file's tests, except when none
 * of those ran (a `-t` filter, `describe.skipIf`): vitest then runs no `afterAll`, so the end of the run removes them.
 */
export const fileScopedFolder = 'file-scoped';

/**
 * A vitest global setup: makes one folder for this run's temporary folders (`<tmp>/cleave-test-XXXXXX`, handed to
 * the test files as `inject('tempRoot')`) and, when the run ends, fails it if any test left something in there, then
 * removes the folder. Other runs on the same machine have folders of their own, so a run never judges another's.
 */
export function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), tempPrefix));
  mkdirSync(join(root, fileScopedFolder));
  project.provide('tempRoot', root);
  return () => {
    const left = readdirSync(root).filter((name) => name !== fileScopedFolder);
    rmSync(root, { recursive: true, force: true });
    if (left.length > 0) {
      // Vitest reports an error thrown here ("error during close") but still exits 0 when the tests passed.
      process.exitCode = 1;
      throw new Error(
        `the tests left ${left.length} temporary folder(s) behind: ${left.join(', ')} (now removed with ${root}). ` +
          'Make them with tempDir() from tests/support/temp-dir.ts, or remove what createTempDir() makes in afterAll or finally.',
      );
    }
  };
}
