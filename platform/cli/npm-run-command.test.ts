import { describe, expect, it } from 'vitest';
import { npmRunCommand } from './npm-run-command.ts';

describe('npmRunCommand', () => {
  it.each([
    [[], 'npm run graph'],
    [['--out', 'docs/g.svg'], 'npm run graph -- --out docs/g.svg'],
    [['--out', '/tmp/my graph.svg'], "npm run graph -- --out '/tmp/my graph.svg'"],
    [['--out', "it's.svg"], "npm run graph -- --out 'it'\\''s.svg'"],
    [['--out', ''], "npm run graph -- --out ''"],
    [['--out', '$HOME/x;rm'], "npm run graph -- --out '$HOME/x;rm'"],
  ])('%j gives %s', (args, line) => {
    expect(npmRunCommand('graph', args)).toBe(line);
  });
});
