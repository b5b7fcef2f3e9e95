import { parseArgsOnce } from '../../platform/cli/index.ts';
import { commandOf, derivedSteps, runDerivedSteps } from './derived.ts';
import { NameError } from './names.ts';
import { applyPlan, generateWithDrizzleKit, planModule, registryFile, type MigrationGenerator } from './scaffold.ts';

/** Where the command prints: progress and the summary to `out`, problems to `err`. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** What the command line fixes and tests may change. */
export interface CliOptions {
  /** The repository root; the current directory for the command line. */
  root: string;
  /** How the first migration is generated; drizzle-kit through tools/db-generate.ts by default. */
  generate?: MigrationGenerator;
}

const USAGE = `usage: npm run new:module -- <name> [--entity <thing>] [--owner <team>] [--cost-centre <id>] [--description <text>]
  <name>         lower-case kebab-case, e.g. loyalty-points: folder modules/<name>/, schema <name>, routes /<name>/v1/...
  --entity       the sample entity, kebab-case and singular (default: item); rename or replace it afterwards
  --owner        the owning team for defineModule (default: team-<name>)
  --cost-centre  the cost centre its usage is charged to (default: cc-<name>)
  --description  one line for defineModule, the registry and the docs`;

/**
 * Runs `new:module` as the command line does and returns the exit code: 0 created, 1 generation failed (nothing
 * left behind) or created but a regeneration step failed (the files kept; the summary names each step and its
 * command), 2 bad usage or a name that is invalid, reserved or taken (nothing written).
 * @example process.exitCode = runCli(process.argv.slice(2), { out: console.log, err: console.error }, { root: '.' });
 */
export function runCli(args: readonly string[], io: CliIo, options: CliOptions): number {
  let parsed;
  try {
    parsed = parseArgsOnce({
      args: [...args],
      allowPositionals: true,
      options: {
        entity: { type: 'string' },
        owner: { type: 'string' },
        'cost-centre': { type: 'string' },
        description: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return usage(io, error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  const [name, ...extra] = parsed.positionals;
  if (name === undefined || extra.length > 0) return usage(io, 'name exactly one module');

  let plan;
  try {
    plan = planModule(options.root, name, { ...parsed.values, costCentre: parsed.values['cost-centre'] });
  } catch (error) {
    if (!(error instanceof NameError)) throw error;
    io.err(`new:module: ${error.message}`);
    return 2;
  }
  let result;
  try {
    result = applyPlan(options.root, plan, options.generate ?? generateWithDrizzleKit);
  } catch (error) {
    io.err(`new:module: ${error instanceof Error ? error.message : String(error)}`);
    io.err('new:module: nothing was left behind; fix the cause and run it again.');
    return 1;
  }

  const derived = runDerivedSteps(options.root, derivedSteps(options.root));

  const { module, entity, entities } = plan.request.names;
  const done: [string, string][] = [
    [`modules/${module.kebab}/`, `${result.files.length} files: contract, domain, application, infrastructure, tests`],
    ...result.migrations.map((m): [string, string] => [m, 'its first migration (drizzle-kit)']),
    [registryFile, `registers ${module.camel}Module`],
    ...derived.filter((d) => d.ok).map((d): [string, string] => [d.step.label, `regenerated (${commandOf(d.step)})`]),
  ];
  const next: [string, string][] = [
    [`npx vitest run modules/${module.kebab}`, 'its contract tests, on every target'],
    ...derived.filter((d) => !d.ok).map((d): [string, string] => [commandOf(d.step), `regenerates ${d.step.label}, which failed here`]),
  ];
  const width = Math.max(...[...done, ...next].map(([left]) => left.length)) + 2;
  const line = ([left, right]: [string, string]) => `  ${left.padEnd(width)}${right}`;
  io.out(`Created module ${module.kebab}:`);
  for (const row of done) io.out(line(row));
  io.out('Next:');
  for (const row of next) io.out(line(row));
  io.out(`  Then make the sample ${entity.words} (${entities.kebab}) what the module really holds. Until migrations/${module.kebab}/`);
  io.out(`  is committed, delete it and run \`npm run db:generate -- ${module.kebab}\` again after changing infrastructure/schema.ts.`);
  const failed = derived.filter((d) => !d.ok);
  for (const { step, output } of failed) {
    io.err(`new:module: could not regenerate ${step.label}; run ${commandOf(step)} once the cause is fixed:`);
    io.err(output.split('\n').slice(-15).join('\n'));
  }
  if (failed.length === 0) return 0;
  // The module itself is complete; undoing it for a generator that failed would throw away what works.
  io.err(
    `new:module: created ${module.kebab}, and kept every file written, but ${failed.length} of ${derived.length} regeneration steps failed: ` +
      `${failed.map(({ step }) => `${step.label} (run ${commandOf(step)})`).join(', ')}`,
  );
  return 1;
}

function usage(io: CliIo, message: string): number {
  io.err(`new:module: ${message}`);
  io.err(USAGE);
  return 2;
}
