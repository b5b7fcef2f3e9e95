import process from 'node:process';
import type { parseArgs, ParseArgsConfig } from 'node:util';
import { parseArgsOnce } from './parse-args-once.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A command's arguments as it declares them. */
export interface CommandLine<O extends Options> {
  /** The command's name, as `npm run` knows it (`keys:rotate`): the prefix of its messages. */
  name: string;
  /** Its whole usage text, starting `usage: npm run …`. */
  usage: string;
  options: O;
  /** Whether it takes positional arguments (a module name, an action). */
  positionals?: boolean;
  /** The arguments; `process.argv` after the script by default. */
  args?: readonly string[];
}

/**
 * Reads a command's arguments the way every Cleave command does: `--help` or `-h` prints the usage to stdout and
 * exits 0; an unknown option, a missing value, an option of one value given twice or a positional it does not take
 * prints the problem and the usage to stderr and exits 2, before the command touches anything.
 *
 * @example
 * const { values } = parseCommandLine({ name: 'keys:rotate', usage, options: { offline: { type: 'boolean', default: false } } });
 */
export function parseCommandLine<const O extends Options>(command: CommandLine<O>) {
  const config = {
    args: [...(command.args ?? process.argv.slice(2))],
    options: { ...command.options, help: { type: 'boolean', short: 'h' } } as O & { help: { type: 'boolean'; short: 'h' } },
    allowPositionals: true as const,
    strict: true as const,
  };
  let parsed: ReturnType<typeof parseArgs<typeof config>>;
  try {
    parsed = parseArgsOnce(config);
  } catch (error) {
    usageError(command, error instanceof Error ? error.message : String(error));
  }
  const { help, ...values } = parsed.values as typeof parsed.values & { help?: boolean };
  if (help === true) {
    process.stdout.write(`${command.usage}\n`);
    process.exit(0);
  }
  // Checked here rather than by parseArgs, so `--help` wins over a stray argument.
  if (!command.positionals && parsed.positionals.length > 0) usageError(command, `takes no arguments, got ${parsed.positionals.join(' ')}`);
  return { values: values as Omit<typeof parsed.values, 'help'>, positionals: parsed.positionals };
}

/** Stops a command whose arguments are wrong: the problem and the usage on stderr, exit code 2. */
export function usageError(command: Pick<CommandLine<Options>, 'name' | 'usage'>, message: string): never {
  process.stderr.write(`${command.name}: ${message}\n${command.usage}\n`);
  process.exit(2);
}
