import { describe, expect, it } from 'vitest';
import { unexpectedError } from './unexpected-error.ts';

const failure = new Error('inventory: cannot build the documents', { cause: new TypeError('routes is not iterable') });

describe('unexpectedError', () => {
  it.each([{}, { DEBUG: '' }, { DEBUG: '0' }])('with %j is one line naming the command and the message, no stack', (env) => {
    expect(unexpectedError('openapi', failure, env)).toBe('openapi: inventory: cannot build the documents\n');
  });

  it('with DEBUG set adds the stack of the error and of its cause', () => {
    const text = unexpectedError('openapi', failure, { DEBUG: '1' });
    expect(text.startsWith('openapi: inventory: cannot build the documents\nError: inventory: cannot build the documents\n    at ')).toBe(true);
    expect(text).toContain('\ncaused by: TypeError: routes is not iterable\n    at ');
  });

  it('a thrown value that is not an Error is printed as text', () => {
    expect(unexpectedError('contracts:check', 'boom', { DEBUG: '1' })).toBe('contracts:check: boom\n');
  });
});
