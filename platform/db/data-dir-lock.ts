import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';

/** How often the holder touches its lock file, and how old an untouched one must be to count as abandoned. */
export const lockRefreshMs = 5_000;
export const lockStaleMs = 30_000;

/** The lock files this process holds (a holder with this process's pid that is not here is an earlier process). */
const held = new Set<string>();

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/** Another live process owns the data directory. */
export class DataDirInUseError extends Error {
  override readonly name = 'DataDirInUseError';
  /** The holder runs on another host: only its lock file's age tells whether it lives (see {@link lockDataDirWhenFree}). */
  readonly elsewhere: boolean;
  constructor(message: string, elsewhere = false) {
    super(message);
    this.elsewhere = elsewhere;
  }
}

/**
 * Takes `<dir>/cleave.lock` for this process, so that a second process (another host, `keys:rotate --offline`) cannot
 * open the same PGlite data directory: PGlite does not lock it, and two writers silently lose one's commits. The file
 * names the holder (pid, host, since) and is touched every {@link lockRefreshMs}; a lock is taken over when its holder
 * is gone: a process on this host that no longer runs, or a file untouched for {@link lockStaleMs} (a holder on
 * another machine, or in a container, that died without removing it). Throws {@link DataDirInUseError} otherwise.
 */
export function lockDataDir(dir: string): { release(): void } {
  const path = join(dir, 'cleave.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(path);
      if (holder && !abandoned(path, holder)) {
        throw new DataDirInUseError(
          `${dir} is in use by process ${holder.pid} on ${holder.host} (since ${holder.since}): one process at a time opens an embedded ` +
            `PGlite data directory. Stop that process first (a holder that died is taken over after ${lockStaleMs / 1000} s), give this ` +
            `one another DATA_DIR, or share data between processes through PostgreSQL (DATABASE_URL).`,
          holder.host !== hostname(),
        );
      }
      // Abandoned (or unreadable, e.g. cut short by a crash while it was written): taken over.
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies Holder));
    } finally {
      closeSync(fd);
    }
    held.add(path);
    const timer = setInterval(() => {
      try {
        const now = new Date();
        utimesSync(path, now, now);
      } catch {
        // Removed under us (an operator, a tmp cleaner): nothing to refresh; the next opener takes the directory.
      }
    }, lockRefreshMs);
    (timer as { unref?: () => void }).unref?.();
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        clearInterval(timer);
        held.delete(path);
        // Only our own lock: a taker-over may have replaced it after it went stale.
        const holder = readHolder(path);
        if (holder?.pid === process.pid && holder.host === hostname()) rmSync(path, { force: true });
      },
    };
  }
  throw new DataDirInUseError(`${dir} is being opened by another process at the same moment; try again.`);
}

/**
 * {@link lockDataDir}, waiting for a holder on another host (a container that crashed and came back under a new host
 * name, on the same volume) rather than refusing at once: its lock file is watched for up to {@link lockStaleMs}; a
 * touch means the holder lives ({@link DataDirInUseError}), no touch until the file is stale means it is gone, and its
 * lock is taken over. `onWait` is told once when the wait starts.
 */
export async function lockDataDirWhenFree(dir: string, onWait?: (message: string) => void): Promise<{ release(): void }> {
  try {
    return lockDataDir(dir);
  } catch (error) {
    if (!(error instanceof DataDirInUseError) || !error.elsewhere) throw error;
    const path = join(dir, 'cleave.lock');
    const seen = touchedAt(path);
    onWait?.(`${dir} is locked by a process on another host; waiting up to ${lockStaleMs / 1000} s for it to refresh its lock (it lives) or not (it is gone)`);
    const deadline = Date.now() + lockStaleMs + lockRefreshMs;
    for (;;) {
      const touched = touchedAt(path);
      if (touched === undefined || Date.now() - touched > lockStaleMs || Date.now() > deadline) break;
      if (touched !== seen) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return lockDataDir(dir);
  }
}

function touchedAt(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function readHolder(path: string): Holder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? { pid: holder.pid, host: holder.host, since: String(holder.since) } : undefined;
  } catch {
    return undefined;
  }
}

function abandoned(path: string, holder: Holder): boolean {
  let touched: number;
  try {
    touched = statSync(path).mtimeMs;
  } catch {
    return true;
  }
  if (Date.now() - touched > lockStaleMs) return true;
  if (holder.host !== hostname()) return false;
  // This process's pid but not a lock it holds: an earlier process (a container restarted as pid 1 again).
  if (holder.pid === process.pid) return !held.has(path);
  return !running(holder.pid);
}

function running(pid: number): boolean {
  // Linux's process table first: it also tells a killed process its parent has not reaped (a zombie), which signal 0
  // reports as running. Deno allows reading it only with --allow-all.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `<pid> (<command>) <state> …`: Z (zombie) and X (dead) hold nothing open.
    const state = stat.charAt(stat.lastIndexOf(') ') + 2);
    return state !== 'Z' && state !== 'X';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && procfs()) return false;
  }
  // Elsewhere, signal 0 (on Deno it needs --allow-run). Anything but "no such process" counts as running: the lock is
  // then taken over once stale.
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

function procfs(): boolean {
  try {
    return existsSync(`/proc/${process.pid}`);
  } catch {
    return false;
  }
}
