/**
 * @module platform/cli
 * What every `npm run` command shares: its arguments read the same way (`--help`/`-h`, usage on a wrong one, the same
 * exit codes, a flag given once, integers in plain digits), its output files written all or none, the command to run
 * again in a message, an unexpected error in one line. Not for what a command does: that stays in its own entry file.
 */
export { parseCommandLine, usageError } from './command-line.ts';
export type { CommandLine } from './command-line.ts';
export { OutputError, writeOutputFiles } from './output-files.ts';
export { parseArgsOnce } from './parse-args-once.ts';
export { ignoreClosedOutput } from './closed-output.ts';
export { npmRunCommand } from './npm-run-command.ts';
export { wholeNumber } from './whole-number.ts';
export { debugStacks, unexpectedError } from './unexpected-error.ts';
