import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { describe, expect, it } from 'vitest';
import type { TestProject } from 'vitest/node';
import { tempDir } from './temp-dir.ts';
import { fileScopedFolder, setup } from './temp-root.ts';

function fakeProject(): { project: TestProject; root: () => string } {
  let root = '';
  const project = { provide: (_: string, value: string) => (root = value) } as unknown as TestProject;
  return { project, root: () => root };
}

describe('tempDir', () => {
  const forTheFile = tempDir('file');
  let forOneTest = '';

  it('makes an empty folder', () => {
    forOneTest = tempDir('one-test');
    expect(readdirSync(forOneTest)).toEqual([]);
  });

  it('removes a test’s folder when that test ends, and keeps the file’s until its tests end', () => {
    expect(existsSync(forOneTest)).toBe(false);
    expect(existsSync(forTheFile)).toBe(true);
  });

  let forAFailingTest = '';
  it.fails('(fails on purpose, with a folder of its own)', () => {
    forAFailingTest = tempDir('failing');
    expect(readdirSync(forAFailingTest)).toEqual(['something']);
  });

  it('removes the folder of a test that failed too', () => {
    expect(forAFailingTest).not.toBe('');
    expect(existsSync(forAFailingTest)).toBe(false);
  });
});

describe('the check on the run’s temporary folders (temp-root)', () => {
  it('passes and removes the folder when the tests left nothing in it', () => {
    const { project, root } = fakeProject();
    const teardown = setup(project);
    expect(readdirSync(root())).toEqual([fileScopedFolder]);
    teardown();
    expect(existsSync(root())).toBe(false);
  });

  it('removes without complaint the folders of files whose tests did not run (no afterAll ran for them)', () => {
    const { project, root } = fakeProject();
    const teardown = setup(project);
    mkdirSync(join(root(), fileScopedFolder, 'kube-a1B2c3'));
    teardown();
    expect(existsSync(root())).toBe(false);
  });

  it('fails the run naming what a test left, and still removes it', () => {
    const { project, root } = fakeProject();
    const teardown = setup(project);
    mkdirSync(join(root(), 'k8s-a1B2c3'));
    const exitCode = process.exitCode;
    try {
      expect(teardown).toThrow('the tests left 1 temporary folder(s) behind: k8s-a1B2c3');
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = exitCode;
    }
    expect(existsSync(root())).toBe(false);
  });
});
