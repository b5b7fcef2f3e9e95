import { existsSync, readFileSync } from 'node:fs';
import { npmRunCommand, OutputError, parseArgsOnce, writeOutputFiles } from '../../platform/cli/index.ts';
import type { ModuleDefinition, SchemaTables } from '../../platform/host/index.ts';
import { renderMarkdown } from './render-markdown.ts';
import { complianceReport, SchemaMismatchError } from './report.ts';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Where the report is written by default. */
export const defaultPaths = { markdown: 'docs/compliance.md', json: 'docs/compliance.json' } as const;

const USAGE = `usage: npm run compliance -- [--markdown ${defaultPaths.markdown}] [--json ${defaultPaths.json}] [--check]
  --markdown  the markdown report to write
  --json      the JSON report to write
  --check     write nothing; exit 1 if either file differs from what would be written`;

/**
 * Writes the compliance report of `modules` as the command line does and returns the exit code: 0 written (or up to
 * date with --check), 1 out of date (--check), a file that cannot be written (then neither is) or a schema that does
 * not match the declarations, 2 bad usage. `tablesOf` lists the tables of
 * each module's migrated schema.
 * @example process.exitCode = await runCli(process.argv.slice(2), io, modules, migratedTables);
 */
export async function runCli(
  args: readonly string[],
  io: CliIo,
  modules: readonly ModuleDefinition[],
  tablesOf: (modules: readonly ModuleDefinition[]) => Promise<ReadonlyMap<string, SchemaTables>>,
): Promise<number> {
  let values: { markdown?: string | undefined; json?: string | undefined; check?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgsOnce({
      args: [...args],
      options: { markdown: { type: 'string' }, json: { type: 'string' }, check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usage(io, error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const markdownPath = values.markdown ?? defaultPaths.markdown;
  const jsonPath = values.json ?? defaultPaths.json;
  if (!markdownPath.endsWith('.md')) return usage(io, `--markdown must name a .md file, got "${markdownPath}"`);
  if (!jsonPath.endsWith('.json')) return usage(io, `--json must name a .json file, got "${jsonPath}"`);

  let files: [string, string][];
  try {
    const report = complianceReport(modules, await tablesOf(modules));
    files = [
      [markdownPath, renderMarkdown(report)],
      [jsonPath, `${JSON.stringify(report, null, 2)}\n`],
    ];
  } catch (error) {
    if (!(error instanceof SchemaMismatchError)) throw error;
    io.err(`compliance: ${error.message}`);
    return 1;
  }
  if (values.check) {
    const stale = files.filter(([path, text]) => !existsSync(path) || readFileSync(path, 'utf8') !== text).map(([path]) => path);
    const given = [
      ...(markdownPath === defaultPaths.markdown ? [] : ['--markdown', markdownPath]),
      ...(jsonPath === defaultPaths.json ? [] : ['--json', jsonPath]),
    ];
    if (stale.length > 0) io.err(`compliance: ${stale.join(' and ')} out of date with the modules' declarations; run ${npmRunCommand('compliance', given)}`);
    else io.out(`compliance: ${markdownPath} and ${jsonPath} are up to date`);
    return stale.length === 0 ? 0 : 1;
  }
  // Both or neither: a report half written would disagree with itself.
  try {
    writeOutputFiles(files);
  } catch (error) {
    if (!(error instanceof OutputError)) throw error;
    io.err(`compliance: ${error.message}; neither report was written`);
    return 1;
  }
  io.out(`compliance: wrote ${markdownPath} and ${jsonPath} (${modules.length} modules)`);
  return 0;
}

function usage(io: CliIo, message: string): number {
  io.err(`compliance: ${message}`);
  io.err(USAGE);
  return 2;
}
