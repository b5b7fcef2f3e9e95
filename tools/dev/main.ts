/**
 * `npm run dev`: the monolith under `tsx watch`, restarted on every edit. Its arguments are checked here first, with
 * `npm start`'s usage (the monolith takes none): `tsx watch` would keep watching after the program printed its usage
 * or refused an argument, so `npm run dev -- --help` (exit 0) and a wrong argument (exit 2) end here instead.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { startUsage } from '../../apps/monolith/start-usage.ts';
import { ignoreClosedOutput, parseCommandLine } from '../../platform/cli/index.ts';

ignoreClosedOutput();

parseCommandLine({ name: 'dev', usage: startUsage, options: {} });

const tsx = fileURLToPath(import.meta.resolve('tsx/cli'));
const main = fileURLToPath(new URL('../../apps/monolith/main.ts', import.meta.url));
const child = spawn(process.execPath, [tsx, 'watch', main], { stdio: 'inherit' });
// Ctrl-C reaches the whole process group; a signal sent to this process alone is passed on, and tsx watch stops
// the monolith. This process stays until it has, and ends as it did.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
child.once('exit', (code, signal) => process.exit(signal ? 128 + constants.signals[signal] : (code ?? 1)));
