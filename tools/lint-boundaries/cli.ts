import { parseArgsOnce } from '../../platform/cli/index.ts';
import { lintBoundaries, UsageError } from './lint-boundaries.ts';
import { formatFinding, formatSummary } from './format.ts';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = 'usage: npm run lint:boundaries -- [root]   (root: the repository root, with modules/; default: the current directory)';

/**
 * Runs the boundary lint as the command line does and returns the exit code: 0 clean, 1 findings, 2 bad usage.
 * Its arguments are read as every Cleave command reads them (platform/cli): `--help`/`-h` wins, an unknown option or
 * a second root is refused before anything is read, `--` ends the options (`-- -odd-dir` is a root).
 * @example process.exitCode = await runCli(process.argv.slice(2), { out: console.log, err: console.error });
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const refuse = (message: string): number => {
    io.err(`lint:boundaries: ${message}`);
    io.err(USAGE);
    return 2;
  };
  let parsed;
  try {
    parsed = parseArgsOnce({ args: [...args], options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    return refuse(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  if (parsed.positionals.length > 1) return refuse(`expected at most one root, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  try {
    const report = await lintBoundaries(parsed.positionals[0] ?? '.');
    for (const finding of report.findings) io.out(formatFinding(finding));
    if (report.findings.length > 0) io.out('');
    io.out(formatSummary(report));
    return report.findings.length === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return refuse(error.message);
  }
}
