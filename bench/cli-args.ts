/**
 * The benchmarks' command line: they take no arguments, only BENCH_* settings from the environment. `--help`/`-h`
 * prints the settings and exits 0; any argument is refused with the usage (exit 2) before the bench starts anything.
 */
import { parseCommandLine } from '../platform/cli/index.ts';

/** One environment setting a bench reads: its name, its default, what it changes. */
export type BenchSetting = readonly [name: string, fallback: string, meaning: string];

/**
 * Reads a bench's arguments as every `npm run` command does (platform/cli); call it before anything else runs.
 * `command` is how the bench is run, for the usage: `npm run <name>` unless it has no npm script (`npx tsx bench/….ts`).
 *
 * @example
 * readBenchArgs('bench:calls', 'calls between modules against direct calls and Moleculer', [['BENCH_ROUNDS', '3', 'rounds']]);
 */
export function readBenchArgs(name: string, summary: string, settings: readonly BenchSetting[], command = `npm run ${name}`): void {
  const width = Math.max(...settings.map(([setting]) => setting.length));
  const fallbackWidth = Math.max(...settings.map(([, fallback]) => fallback.length));
  const lines = settings.map(([setting, fallback, meaning]) => `  ${setting.padEnd(width)}  ${fallback.padEnd(fallbackWidth)}  ${meaning}`);
  const usage = [
    `usage: ${command}`,
    '',
    `${summary}. Takes no arguments; reads these environment settings (name, default, meaning; bench/README.md):`,
    ...lines,
  ].join('\n');
  parseCommandLine({ name, usage, options: {} });
}
