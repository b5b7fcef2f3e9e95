import { describe, expect, it } from 'vitest';
import { parseArgsOnce } from './parse-args-once.ts';

const options = { port: { type: 'string' }, module: { type: 'string', multiple: true }, force: { type: 'boolean' } } as const;

describe('parseArgsOnce', () => {
  it('reads the options as parseArgs does', () => {
    const { values } = parseArgsOnce({ args: ['--port', '1', '--module', 'a', '--module=b', '--force'], options, strict: true });
    expect(values).toEqual({ port: '1', module: ['a', 'b'], force: true });
  });

  it.each([
    [['--port', '1', '--port', '2'], '--port given more than once ("1", "2"): give it once'],
    [['--port=1', '--port', '1'], '--port given more than once ("1", "1"): give it once'],
  ])('%j throws naming the option and its values', (args, message) => {
    expect(() => parseArgsOnce({ args, options, strict: true })).toThrow(new TypeError(message));
  });

  it("an unknown option throws Node's first sentence, without its advice to pass it after '--' (npm swallows that '--')", () => {
    expect(() => parseArgsOnce({ args: ['--bogus'], options, strict: true, allowPositionals: true })).toThrow(
      expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION', message: "Unknown option '--bogus'." }),
    );
  });

  it('an option whose value looks like another option throws one line, keeping the advice to write --port=-1', () => {
    expect(() => parseArgsOnce({ args: ['--port', '--force'], options, strict: true })).toThrow(
      expect.objectContaining({
        code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
        message: expect.stringMatching(/^Option '--port' argument is ambiguous\. [^\n]*'--port=-XYZ'\.$/),
      }),
    );
  });

  it('lets a repeatable option and a repeated switch through', () => {
    const { values } = parseArgsOnce({ args: ['--module', 'a', '--module', 'a', '--force', '--force'], options, strict: true });
    expect(values).toEqual({ module: ['a', 'a'], force: true });
  });
});
