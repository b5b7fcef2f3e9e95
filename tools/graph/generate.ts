/**
 * @module graph
 * `npm run graph [-- --out docs/module-graph.svg] [--dot] [--check]`: draws the modules, their calls (from `uses`)
 * and their events (from contracts and subscriptions) as an SVG, with Graphviz in WebAssembly; `--dot` gives the DOT
 * source instead (on stdout, or in the `.dot`/`.gv` file `--out` names). Exit 2 on bad usage.
 */
import process from 'node:process';
import { ignoreClosedOutput } from '../../platform/cli/index.ts';
import { loadModules } from '../../apps/load-modules.ts';
import { runCli } from './cli.ts';

ignoreClosedOutput();
const modules = await loadModules('graph');

process.exitCode = await runCli(
  process.argv.slice(2),
  { out: (line) => process.stdout.write(`${line}\n`), err: (line) => process.stderr.write(`${line}\n`) },
  modules,
);
