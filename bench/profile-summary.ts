/**
 * Summarises V8 CPU profiles (`.cpuprofile`, as `BENCH_PROFILE=1` or `node --cpu-prof` write them): where the time
 * of each thread went, by package (node_modules), project folder, node's internals, WebAssembly, GC and idle.
 *
 * Usage: npx tsx bench/profile-summary.ts <file or folder>… [--top N]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import process from 'node:process';

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
  if (url.startsWith('wasm://')) return 'WebAssembly (PGlite)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return 'node (module loading, streams, …)';
  const local = /\/((?:apps|bench|modules|platform|tests|tools)\/[^/]+)/.exec(url);
  return local?.[1] ?? url;
}

function roleOf(profile: Profile): string {
  const urls = new Set(profile.nodes.map((n) => n.callFrame.url));
  const has = (pattern: RegExp) => [...urls].some((u) => pattern.test(u));
  if (has(/apps\/monolith\/main\.ts/)) return 'Cleave host (main thread)';
  if (has(/tsx\/dist\/.*(loader|register|index)/) && !has(/\/(platform|modules|apps)\//)) return 'tsx loader thread';
  if (has(/npm\/(bin|lib)\//)) return 'npm';
  if (has(/tsx\/dist\/cli/)) return 'tsx CLI';
  return 'other';
}

export function summarise(file: string, top = 12): Summary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] as number);
    // A sample's time is the gap to the next one.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (!node) continue;
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
    spanMs: (profile.endTime - profile.startTime) / 1000,
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
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 12;
  if (args.length === 0) {
    process.stderr.write('usage: npx tsx bench/profile-summary.ts <file or folder>… [--top N]\n');
    process.exit(2);
  }
  for (const file of args.flatMap(profilesIn)) {
    const s = summarise(file, top);
    const ms = (n: number) => `${n.toFixed(0).padStart(6)} ms`;
    process.stdout.write(`\n${basename(file)}: ${s.role}, ${s.spanMs.toFixed(0)} ms profiled, ${s.busyMs.toFixed(0)} ms busy\n`);
    for (const [place, t] of s.byPlace) process.stdout.write(`  ${ms(t)}  ${place}\n`);
    process.stdout.write('  top functions:\n');
    for (const [fn, t] of s.byFunction) process.stdout.write(`  ${ms(t)}  ${fn}\n`);
  }
}
