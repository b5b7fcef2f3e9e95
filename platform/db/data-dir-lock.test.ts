import { spawn } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/temp-dir.ts';
import { DataDirInUseError, lockDataDir, lockDataDirWhenFree, lockStaleMs } from './data-dir-lock.ts';
import { openPglite } from './pglite.ts';

const children: { kill(): boolean }[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

describe('one process per PGlite data directory', () => {
  it('refuses a second holder until the first releases, and the lock file goes with the release', () => {
    const dir = tempDir('lock');
    const first = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    expect(() => lockDataDir(dir)).toThrow(`in use by process ${process.pid} on ${hostname()}`);
    first.release();
    expect(existsSync(join(dir, 'cleave.lock'))).toBe(false);
    lockDataDir(dir).release();
  });

  it('takes over the lock of a process that no longer runs, or of one untouched for too long; not of one that runs', async () => {
    const dir = tempDir('lock');
    const file = join(dir, 'cleave.lock');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    children.push(child);
    const pid = child.pid as number;
    writeFileSync(file, JSON.stringify({ pid, host: hostname(), since: new Date().toISOString() }));
    expect(() => lockDataDir(dir)).toThrow(`in use by process ${pid}`);
    // A holder elsewhere (another machine, a container) cannot be asked: its file's age decides.
    writeFileSync(file, JSON.stringify({ pid, host: 'elsewhere', since: new Date().toISOString() }));
    expect(() => lockDataDir(dir)).toThrow(`on elsewhere`);
    const old = new Date(Date.now() - lockStaleMs - 5_000);
    utimesSync(file, old, old);
    lockDataDir(dir).release();
    // The same process gone: taken over at once.
    writeFileSync(file, JSON.stringify({ pid, host: hostname(), since: new Date().toISOString() }));
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
    lockDataDir(dir).release();
    // A file cut short (a crash while writing it) holds nothing.
    writeFileSync(file, '{"pid":');
    lockDataDir(dir).release();
  });

  it('waits for a holder on another host: taken over if its lock is not touched until stale, refused if it is', async () => {
    const dir = tempDir('lock');
    const file = join(dir, 'cleave.lock');
    writeFileSync(file, JSON.stringify({ pid: 1, host: 'crashed-pod', since: new Date().toISOString() }));
    // Touched long enough ago that the wait is short: nothing touches it again, so it is taken over.
    const almostStale = new Date(Date.now() - lockStaleMs + 2_000);
    utimesSync(file, almostStale, almostStale);
    const told: string[] = [];
    const taken = await lockDataDirWhenFree(dir, (m) => told.push(m));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(told).toEqual([expect.stringContaining('locked by a process on another host; waiting up to 30 s')]);
    taken.release();
    // A holder elsewhere that lives touches its lock while this one waits: refused, its lock left as it is.
    writeFileSync(file, JSON.stringify({ pid: 1, host: 'live-pod', since: new Date().toISOString() }));
    const touching = setInterval(() => {
      const now = new Date();
      utimesSync(file, now, now);
    }, 300);
    try {
      await expect(lockDataDirWhenFree(dir)).rejects.toThrow('in use by process 1 on live-pod');
    } finally {
      clearInterval(touching);
    }
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ host: 'live-pod' });
  });

  it('a second PGlite on the same directory is refused and the first keeps working', async () => {
    const dataDir = tempDir('lock');
    const first = await openPglite(dataDir);
    await expect(openPglite(dataDir)).rejects.toThrow(DataDirInUseError);
    await first.db.execute('select 1');
    await first.close();
    const again = await openPglite(dataDir);
    await again.close();
  }, 60_000);
});
