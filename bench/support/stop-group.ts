/**
 * Stopping what a bench started, and nothing else: each child runs in its own process group (spawned `detached`),
 * which is signalled by its id. Children still running when the bench exits or is interrupted are killed too.
 */
import type { ChildProcess } from 'node:child_process';
import process from 'node:process';

const running = new Set<number>();

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

process.once('exit', () => {
  for (const pgid of running) signalGroup(pgid, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const pgid of running) signalGroup(pgid, 'SIGKILL');
    process.exit(130);
  });
}

/** Remembers a child spawned with `detached: true`, so it is killed if the bench stops before `stopGroup`. */
export function trackGroup(child: ChildProcess): void {
  if (child.pid !== undefined) running.add(child.pid);
}

/**
 * SIGTERM to the child's process group (so `npm start` → sh → node all get it and the server drains), then waits
 * until every process of the group is gone; SIGKILL after `graceMs`.
 */
export async function stopGroup(child: ChildProcess, graceMs = 10_000): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = performance.now() + graceMs;
  while (signalGroup(pgid, 0)) {
    if (performance.now() > deadline) {
      signalGroup(pgid, 'SIGKILL');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  running.delete(pgid);
}
