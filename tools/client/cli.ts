import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { npmRunCommand, OutputError, parseArgsOnce, writeOutputFiles } from '../../platform/cli/index.ts';
import { defaultSpecPath, loadOpenApiDocument, UsageError } from './openapi-document.ts';
import { renderClient } from './render-client.ts';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Where the TypeScript client is written by default. */
export const defaultClientDir = 'clients/typescript';

const USAGE = `usage: npm run client -- [--spec ${defaultSpecPath}] [--out ${defaultClientDir}] [--check]
  --spec   the merged OpenAPI 3.1 document (default: ${defaultSpecPath} if present, else built from the module contracts)
  --out    the folder to write schema.ts and index.ts into
  --check  write nothing; exit 1 if the folder differs from what would be written`;

/**
 * Generates the typed TypeScript client as the command line does and returns the exit code: 0 written (or up to
 * date with --check), 1 out of date (--check) or --out cannot be written (nothing is), 2 bad usage.
 * @example process.exitCode = await runCli(process.argv.slice(2), { out: console.log, err: console.error });
 */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  let values: { spec?: string | undefined; out?: string | undefined; check?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgsOnce({
      args: [...args],
      options: { spec: { type: 'string' }, out: { type: 'string' }, check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.err(`client: ${error instanceof Error ? error.message : String(error)}`);
    io.err(USAGE);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const out = values.out ?? defaultClientDir;
  if (out.trim() === '') {
    io.err('client: --out needs a folder');
    return 2;
  }
  try {
    const { document, source } = await loadOpenApiDocument(values.spec);
    const files = await renderClient(document);
    const stale = Object.entries(files)
      .filter(([name, content]) => !sameFile(join(out, name), content))
      .map(([name]) => join(out, name));
    if (values.check) {
      const given = [
        ...(values.spec === undefined || values.spec === defaultSpecPath ? [] : ['--spec', values.spec]),
        ...(out === defaultClientDir ? [] : ['--out', out]),
      ];
      for (const path of stale) io.err(`client: ${path} is out of date with ${source}; run ${npmRunCommand('client', given)}`);
      if (stale.length === 0) io.out(`client: ${out} is up to date with ${source}`);
      return stale.length === 0 ? 0 : 1;
    }
    writeOutputFiles(Object.entries(files).map(([name, content]) => [join(out, name), content] as const));
    io.out(
      `client: wrote ${Object.keys(files)
        .map((name) => join(out, name))
        .join(', ')} from ${source}`,
    );
    return 0;
  } catch (error) {
    if (error instanceof OutputError) {
      io.err(`client: ${error.message}`);
      return 1;
    }
    if (!(error instanceof UsageError)) throw error;
    io.err(`client: ${error.message}`);
    return 2;
  }
}

function sameFile(path: string, content: string): boolean {
  return existsSync(path) && readFileSync(path, 'utf8') === content;
}
