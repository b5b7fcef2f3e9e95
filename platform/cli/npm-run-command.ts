/**
 * The command line that runs `npm run <name>` with `args`, each quoted for a POSIX shell where it needs it, for a
 * message to tell what to run: the user's own flags (a non-default `--out`) repeated, so the suggestion acts on the
 * files that were checked rather than on the defaults.
 *
 * @example
 * npmRunCommand('graph', ['--out', '/tmp/my graph.svg']); // "npm run graph -- --out '/tmp/my graph.svg'"
 */
export function npmRunCommand(name: string, args: readonly string[] = []): string {
  return args.length === 0 ? `npm run ${name}` : `npm run ${name} -- ${args.map(shellWord).join(' ')}`;
}

function shellWord(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
