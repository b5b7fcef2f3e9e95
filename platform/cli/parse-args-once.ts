import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * `parseArgs` of node:util, except that an option taking one value may be given only once: node keeps the last of
 * `--port 1 --port 2` without a word, so a typo or a pasted flag would win silently. Throws a `TypeError` whose
 * message names the option and the values given, as parseArgs throws for an unknown option; options declared
 * `multiple` and boolean ones (repeating them changes nothing) pass. An unknown option's message is Node's first
 * sentence (`Unknown option '--port'.`), without its advice about positionals; every message is one line.
 *
 * @example
 * const { values } = parseArgsOnce({ args, options: { out: { type: 'string' } }, strict: true });
 */
export function parseArgsOnce<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T & { tokens: true }>>;
  try {
    parsed = parseArgs({ ...config, tokens: true });
  } catch (error) {
    // Node advises passing an unknown option after `--` as a positional: wrong for `npm run`, which swallows the
    // first `--`, and its quote is cut (`as in '-- "--port"`). Its first sentence says all there is to say.
    // An option followed by another (`--out --check`) gets three lines: one, so the usage that follows stays apart.
    if (error instanceof Error) error.message = error.message.replace(/\. To specify a positional argument .*$/s, '.').replaceAll('\n', ' ');
    throw error;
  }
  const given = new Map<string, string[]>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || token.value === undefined) continue;
    const option = config.options?.[token.name];
    if (!option || option.type !== 'string' || option.multiple === true) continue;
    const values = [...(given.get(token.name) ?? []), token.value];
    given.set(token.name, values);
    if (values.length > 1) throw new TypeError(`--${token.name} given more than once (${values.map((v) => JSON.stringify(v)).join(', ')}): give it once`);
  }
  return parsed as ReturnType<typeof parseArgs<T>>;
}
