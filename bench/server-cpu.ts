/**
 * CPU time a server child has used, from /proc (Linux only). Unlike requests per second, CPU time per request hardly
 * moves when other processes compete for the cores, so it is the steadier figure on a shared machine.
 */
import { readFileSync } from 'node:fs';

// USER_HZ, the unit of utime and stime in /proc/<pid>/stat; 100 on every mainstream Linux build.
const ticksPerSecond = 100;

/** User plus system CPU milliseconds used so far by process `pid` (all its threads), or undefined off Linux. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name, which may itself contain spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / ticksPerSecond : undefined;
  } catch {
    return undefined;
  }
}
