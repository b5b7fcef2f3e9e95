import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir.ts';
import { OutputError, writeOutputFiles } from './output-files.ts';

describe('writeOutputFiles', () => {
  it('writes every file, creating their folders, and leaves no temporary file', () => {
    const dir = tempDir('output');
    writeOutputFiles([
      [join(dir, 'a.md'), 'a'],
      [join(dir, 'deep/b.json'), 'b'],
    ]);
    expect(readFileSync(join(dir, 'a.md'), 'utf8')).toBe('a');
    expect(readFileSync(join(dir, 'deep/b.json'), 'utf8')).toBe('b');
    expect(readdirSync(dir, { recursive: true }).sort()).toEqual(['a.md', 'deep', 'deep/b.json']);
  });

  it('a path it cannot write throws an OutputError naming it, and no file changes, the ones before it included', () => {
    const dir = tempDir('output');
    writeFileSync(join(dir, 'a.md'), 'old');
    writeFileSync(join(dir, 'afile'), '');
    const write = () =>
      writeOutputFiles([
        [join(dir, 'a.md'), 'new'],
        [join(dir, 'afile/b.json'), 'b'],
      ]);
    expect(write).toThrow(OutputError);
    expect(write).toThrow(`cannot write ${join(dir, 'afile/b.json')}: ${join(dir, 'afile')} is a file, not a folder`);
    expect(readFileSync(join(dir, 'a.md'), 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['a.md', 'afile']);
  });
});
