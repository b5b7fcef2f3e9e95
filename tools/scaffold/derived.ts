import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { npmRunCommand } from '../../platform/cli/index.ts';

/** A committed file set that another tool generates from the module list, and the npm script that regenerates it. */
export interface DerivedStep {
  /** What is regenerated, for the report: `apps/extracted/inventory/`. */
  label: string;
  /** The npm script and its arguments. */
  script: string;
  args: string[];
}

/** The outcome of one step; `output` is what the tool printed. */
export interface DerivedOutcome {
  step: DerivedStep;
  ok: boolean;
  output: string;
}

/**
 * Generated files the repository commits, in the order they depend on each other, that change when a module is added:
 * each extracted app's deployment notes (they list the modules the monolith keeps), the contract files, the client
 * generated from the merged contract, the module graph, the compliance report, the Kubernetes manifests and the
 * Prometheus alerting rules (both made from every module's metadata). Only steps whose npm script exists
 * are returned.
 */
export function derivedSteps(root: string): DerivedStep[] {
  const scripts = npmScripts(root);
  const steps: DerivedStep[] = [];
  const extracted = join(root, 'apps', 'extracted');
  if (scripts.has('extract') && existsSync(extracted)) {
    for (const entry of readdirSync(extracted, { withFileTypes: true })) {
      if (!entry.isDirectory() || !existsSync(join(extracted, entry.name, 'main.ts'))) continue;
      // Regenerated as they were extracted: the port and monolith address they were written with are read back.
      const notes = join(extracted, entry.name, 'README.md');
      const settings = existsSync(notes) ? extractSettings(readFileSync(notes, 'utf8')) : [];
      steps.push({ label: `apps/extracted/${entry.name}/`, script: 'extract', args: [entry.name, ...settings, '--force'] });
    }
  }
  const generated: [script: string, label: string][] = [
    ['openapi', 'contracts/'],
    ['client', 'clients/'],
    ['graph', 'docs/module-graph.svg'],
    ['compliance', 'docs/compliance.md'],
    ['k8s', 'deploy/k8s/'],
    ['alerts', 'deploy/prometheus/cleave-alerts.yml'],
  ];
  for (const [script, label] of generated) if (scripts.has(script)) steps.push({ label, script, args: [] });
  return steps;
}

/**
 * The `--port` and `--monolith-url` an extracted app's notes (`npm run extract`'s README.md) were written with: the
 * `PORT=` and the monolith address `REMOTE_MODULES=` names in the deployment's settings (the notes' first `sh` block;
 * the monolith's follows). What they do not say is left to extract's defaults.
 */
export function extractSettings(notes: string): string[] {
  const deployment = /```sh\n([\s\S]*?)```/.exec(notes)?.[1] ?? '';
  const port = /^PORT=(\d+)$/m.exec(deployment)?.[1];
  const monolith = /^REMOTE_MODULES=[a-z][a-z0-9-]*=(https?:\/\/[^\s/,]+)/m.exec(deployment)?.[1];
  return [...(port ? ['--port', port] : []), ...(monolith ? ['--monolith-url', monolith] : [])];
}

/** Runs each step in `root`; a failing step does not stop the others. */
export function runDerivedSteps(root: string, steps: readonly DerivedStep[]): DerivedOutcome[] {
  return steps.map((step) => {
    const args = ['run', '--silent', step.script, ...(step.args.length > 0 ? ['--', ...step.args] : [])];
    const result = spawnSync('npm', args, { cwd: root, encoding: 'utf8' });
    return { step, ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() };
  });
}

/** The command a person runs to redo a step by hand. */
export function commandOf(step: DerivedStep): string {
  return npmRunCommand(step.script, step.args);
}

function npmScripts(root: string): Set<string> {
  const path = join(root, 'package.json');
  if (!existsSync(path)) return new Set();
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as { scripts?: Record<string, string> };
  return new Set(Object.keys(manifest.scripts ?? {}));
}
