import { lintBoundaries, UsageError } from './lint-boundaries.ts';
import { formatFinding, formatSummary } from './format.ts';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = 'usage: npm run lint:boundaries -- [root]   (root: the repository root, with modules/; default: the current directory)';

/**
 * Runs the boundary lint as the command line does and returns the exit code: 0 clean, 1 findings, 2 bad usage.
 * @example process.exitCode = await runCli(process.argv.slice(2), { out: console.log, err: console.error });
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  const unknown = args.find((arg) => arg.startsWith('-'));
  if (args.length > 1 || unknown) {
    io.err(`lint:boundaries: ${unknown ? `unknown option ${unknown}` : `expected at most one root, got ${args.length}`}`);
    io.err(USAGE);
    return 2;
  }
  try {
    const report = await lintBoundaries(args[0] ?? '.');
    for (const finding of report.findings) io.out(formatFinding(finding));
    if (report.findings.length > 0) io.out('');
    io.out(formatSummary(report));
    return report.findings.length === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`lint:boundaries: ${error.message}`);
    io.err(USAGE);
    return 2;
  }
}
