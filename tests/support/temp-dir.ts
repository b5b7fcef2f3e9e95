import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, inject, onTestFinished, TestRunner } from 'vitest';
import { fileScopedFolder, tempPrefix } from './temp-root.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder this run's temporary folders go in (made, and checked empty at the end, by tests/support/temp-root.ts). */
    tempRoot: string;
  }
}

function makeTempDir(label: string, sub?: string): string {
  const root = inject('tempRoot') as string | undefined;
  if (!root) return mkdtempSync(join(tmpdir(), `${tempPrefix}${label}-`));
  return mkdtempSync(join(sub ? join(root, sub) : root, `${label}-`));
}

/**
 * A new empty folder, `<label>-XXXXXX` in this run's temporary folder (or `cleave-test-<label>-XXXXXX` in the system
 * one when the config has no tests/support/temp-root.ts). The caller removes it; see {@link tempDir} for one that
 * removes itself.
 */
export function createTempDir(label: string): string {
  return makeTempDir(label);
}

/**
 * A new empty folder for a test to write in, removed with all it holds when the test that asked for it ends (passed
 * or failed); asked for outside a test (at the top of a file, in a `describe` body), when the file's tests end, or
 * when the run does if none of them ran. Not for `beforeAll`, where no hook can be added: ask in the `describe` body.
 *
 * @example
 * const out = tempDir('k8s'); // removed after this test
 */
export function tempDir(label: string): string {
  const inTest = TestRunner.getCurrentTest() !== undefined;
  const dir = makeTempDir(label, inTest ? undefined : fileScopedFolder);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (inTest) onTestFinished(remove);
  else afterAll(remove);
  return dir;
}
