import { existsSync, readFileSync } from 'node:fs';
import { npmRunCommand, OutputError, parseArgsOnce, writeOutputFiles } from '../../platform/cli/index.ts';
import { moduleGraph, type GraphModule } from './module-graph.ts';
import { toDot } from './render-dot.ts';
import { renderSvg } from './render-svg.ts';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Where the module graph is written by default. */
export const defaultGraphPath = 'docs/module-graph.svg';

const USAGE = `usage: npm run graph -- [--out ${defaultGraphPath}] [--dot] [--check]
  --out    the SVG file to write (with --dot, the .dot or .gv file)
  --dot    the Graphviz DOT source instead of the SVG: printed, or written to --out
  --check  write nothing; exit 1 if the SVG differs from what would be written`;

/**
 * Draws the module graph of `modules` as the command line does and returns the exit code: 0 written (or up to
 * date with --check), 1 out of date (--check) or --out cannot be written, 2 bad usage.
 * @example process.exitCode = await runCli(process.argv.slice(2), { out: console.log, err: console.error }, modules);
 */
export async function runCli(args: readonly string[], io: CliIo, modules: readonly GraphModule[]): Promise<number> {
  let values: { out?: string | undefined; dot?: boolean | undefined; check?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgsOnce({
      args: [...args],
      options: { out: { type: 'string' }, dot: { type: 'boolean' }, check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
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
  if (values.dot && values.check) return usage(io, '--dot and --check do not go together');
  if (values.dot) {
    if (values.out !== undefined && !/\.(dot|gv)$/.test(values.out)) return usage(io, `--out with --dot must name a .dot or .gv file, got "${values.out}"`);
    return writeDot(io, toDot(moduleGraph(modules)), values.out);
  }
  const out = values.out ?? defaultGraphPath;
  if (!out.endsWith('.svg')) return usage(io, `--out must name an .svg file, got "${out}"`);

  const dot = toDot(moduleGraph(modules));
  const svg = await renderSvg(dot);
  const current = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
  if (values.check) {
    if (current === svg) io.out(`graph: ${out} is up to date`);
    else io.err(`graph: ${out} is out of date with the modules; run ${npmRunCommand('graph', out === defaultGraphPath ? [] : ['--out', out])}`);
    return current === svg ? 0 : 1;
  }
  if (!written(io, out, svg)) return 1;
  io.out(`graph: wrote ${out} (${modules.length} modules)`);
  return 0;
}

/** Writes `content` to `out` all or nothing; false, said in one line, when it cannot. */
function written(io: CliIo, out: string, content: string): boolean {
  try {
    writeOutputFiles([[out, content]]);
    return true;
  } catch (error) {
    if (!(error instanceof OutputError)) throw error;
    io.err(`graph: ${error.message}`);
    return false;
  }
}

/** The DOT source on stdout, or in `out` when given. */
function writeDot(io: CliIo, dot: string, out: string | undefined): number {
  if (out === undefined) {
    io.out(dot.trimEnd());
    return 0;
  }
  if (!written(io, out, dot)) return 1;
  io.out(`graph: wrote ${out} (DOT source)`);
  return 0;
}

function usage(io: CliIo, message: string): number {
  io.err(`graph: ${message}`);
  io.err(USAGE);
  return 2;
}
