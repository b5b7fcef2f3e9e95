/**
 * Summarises V8 CPU profiles (`.cpuprofile`, as `BENCH_PROFILE=1` or `node --cpu-prof` write them): where the time
 * of each thread went, by package (node_modules), project folder, node's internals, WebAssembly, GC and idle.
 *
 * Usage: npx tsx bench/profile-summary.ts <file or folder>… [--top N] [--last-ms N]
 * `--last-ms` keeps only the profile's last N milliseconds: for a server, the load window rather than its start-up.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import process from 'node:process';
import { parseCommandLine, usageError, wholeNumber } from '../platform/cli/index.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Summary {
  file: string;
  /** What the thread ran, guessed from the scripts it sampled. */
  role: string;
  spanMs: number;
  busyMs: number;
  byPlace: [string, number][];
  byFunction: [string, number][];
}

/** Where a frame's time belongs: an npm package, a project folder, node's own code, WebAssembly, or a V8 state. */
export function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  // PGlite on a host's main thread; es-module-lexer (tsx) on the module loader thread.
  if (url.startsWith('wasm://')) return 'WebAssembly';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return nodePlace(url);
  const local = /\/((?:apps|bench|modules|platform|tests|tools)\/[^/]+)/.exec(url);
  return local?.[1] ?? url;
}

const nodePlaces: [RegExp, string][] = [
  [/^node:internal\/modules\//, 'node: module loading'],
  [/^node:internal\/deps\/undici\//, 'node: undici (Headers, Request, Response, fetch)'],
  [/^node:(_http_|internal\/http|http)/, 'node: http'],
  [/^node:(internal\/)?async_hooks/, 'node: async_hooks (AsyncLocalStorage)'],
  [/^node:(net|internal\/stream_base_commons|internal\/streams\/|stream)/, 'node: net and streams'],
  [/^node:internal\/(process\/task_queues|timers)|^node:timers/, 'node: ticks and timers'],
];

function nodePlace(url: string): string {
  return nodePlaces.find(([pattern]) => pattern.test(url))?.[1] ?? 'node: other';
}

function roleOf(profile: Profile): string {
  const urls = new Set(profile.nodes.map((n) => n.callFrame.url));
  const has = (pattern: RegExp) => [...urls].some((u) => pattern.test(u));
  if (has(/apps\/monolith\/main\.ts/)) return 'Cleave host (main thread)';
  if (has(/bench\/(servers|peers)\//)) return 'bench server (main thread)';
  if (has(/node:internal\/modules\/esm\/worker/)) return 'module loader thread (tsx hooks)';
  if (has(/npm\/(bin|lib)\//)) return 'npm';
  if (has(/tsx\/dist\/cli/)) return 'tsx CLI';
  return 'other';
}

export function summarise(file: string, top = 12, lastMs = Number.POSITIVE_INFINITY): Summary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  const from = profile.endTime - lastMs * 1000;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const node = byId.get(profile.samples[i] as number);
    // A sample's time is the gap to the next one.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (!node || at < from) continue;
    const { url, functionName, lineNumber } = node.callFrame;
    const place = placeOf(url, functionName);
    places.set(place, (places.get(place) ?? 0) + ms);
    if (place !== '(idle)') busy += ms;
    const fn = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    file,
    role: roleOf(profile),
    spanMs: Math.min(profile.endTime - profile.startTime, lastMs * 1000) / 1000,
    busyMs: busy,
    byPlace: sorted(places),
    byFunction: sorted(functions),
  };
}

function profilesIn(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => join(path, f));
}

if (process.argv[1] && basename(process.argv[1]) === 'profile-summary.ts') {
  const command = {
    name: 'profile-summary',
    usage: `usage: npx tsx bench/profile-summary.ts <file or folder>… [--top N] [--last-ms N]
  --top N       functions listed per profile (12)
  --last-ms N   only the profile's last N milliseconds: a server's load window rather than its start-up`,
  };
  const { values, positionals } = parseCommandLine({
    ...command,
    positionals: true,
    options: { top: { type: 'string', default: '12' }, 'last-ms': { type: 'string' } },
  });
  const top = wholeNumber(values.top, 1, 10_000) ?? usageError(command, `--top must be a whole number from 1 to 10000, got "${values.top}"`);
  const last = values['last-ms'];
  const lastMs =
    last === undefined
      ? Number.POSITIVE_INFINITY
      : (wholeNumber(last, 1, 1e12) ?? usageError(command, `--last-ms must be a whole number of milliseconds, got "${last}"`));
  if (positionals.length === 0) usageError(command, 'name the profiles: a .cpuprofile file or a folder of them');
  const missing = positionals.filter((path) => !existsSync(path));
  if (missing.length > 0) usageError(command, `no such file or folder: ${missing.join(', ')}`);
  const files = positionals.flatMap(profilesIn);
  if (files.length === 0) usageError(command, `no .cpuprofile file in ${positionals.join(', ')}`);
  for (const file of files) {
    const s = summarise(file, top, lastMs);
    const ms = (n: number) => `${n.toFixed(0).padStart(6)} ms`;
    process.stdout.write(`\n${basename(file)}: ${s.role}, ${s.spanMs.toFixed(0)} ms profiled, ${s.busyMs.toFixed(0)} ms busy\n`);
    for (const [place, t] of s.byPlace) process.stdout.write(`  ${ms(t)}  ${place}\n`);
    process.stdout.write('  top functions:\n');
    for (const [fn, t] of s.byFunction) process.stdout.write(`  ${ms(t)}  ${fn}\n`);
  }
}
