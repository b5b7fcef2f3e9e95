/**
 * CPU time a server child has used, from /proc (Linux only). Unlike requests per second, CPU time per request hardly
 * moves when other processes compete for the cores, so it is the steadier figure on a shared machine.
 */
import { readdirSync, readFileSync } from 'node:fs';

// USER_HZ, the unit of utime and stime in /proc/<pid>/stat; 100 on every mainstream Linux build.
const ticksPerSecond = 100;

interface Stat {
  ppid: number;
  /** utime + stime of the process (all its threads). */
  ownTicks: number;
  /** cutime + cstime: children that have exited and been waited for. */
  reapedTicks: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces: state is field 3, ppid 4,
    // utime 14, stime 15, cutime 16, cstime 17.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(fields[i]);
    const result = { ppid: n(1), ownTicks: n(11) + n(12), reapedTicks: n(13) + n(14) };
    return Number.isFinite(result.ownTicks) && Number.isFinite(result.reapedTicks) ? result : undefined;
  } catch {
    return undefined;
  }
}

/** User plus system CPU milliseconds used so far by process `pid` (all its threads), or undefined off Linux. */
export function cpuMs(pid: number | undefined): number | undefined {
  const s = pid === undefined ? undefined : stat(pid);
  return s ? (s.ownTicks * 1000) / ticksPerSecond : undefined;
}

/**
 * CPU milliseconds used so far by `pid` and every process below it (`npm start` → sh → node), counting children
 * that already exited once, through their parent's reaped time. Undefined off Linux.
 */
export function treeCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined || stat(pid) === undefined) return undefined;
  const all = new Map<number, Stat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s) all.set(Number(entry), s);
  }
  let ticks = 0;
  const queue = [pid];
  for (let current = queue.pop(); current !== undefined; current = queue.pop()) {
    const s = all.get(current);
    if (!s) continue;
    ticks += s.ownTicks + s.reapedTicks;
    for (const [child, c] of all) if (c.ppid === current) queue.push(child);
  }
  return (ticks * 1000) / ticksPerSecond;
}
