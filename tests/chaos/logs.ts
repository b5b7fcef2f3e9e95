import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Error and warning lines the processes logged, counted by message per process: where a run went through the
 * pipeline's fault paths (stalls, dead letters, lost Redis), and a first place to look when it fails.
 */
export async function summarizeLogs(logDir: string): Promise<string[]> {
  const counts = new Map<string, number>();
  for (const file of (await readdir(logDir)).filter((f) => f.endsWith('.log'))) {
    const name = file.replace(/\.log$/, '');
    for (const line of (await readFile(join(logDir, file), 'utf8')).split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
        if ((entry.level ?? 0) < 40) continue;
        // The error's message with numbers (ports, ids, counts) masked, so that one cause counts once.
        const cause = entry.err?.message
          ? `: ${entry.err.message
              .replace(/[\da-f]{8}-[\da-f-]{27}/gi, '<id>')
              .replace(/\d+/g, 'N')
              .slice(0, 90)}`
          : '';
        const key = `${name} ${entry.level === 40 ? 'warn ' : 'error'} ${entry.msg ?? '?'}${cause}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      } catch {
        // A line cut short by SIGKILL.
      }
    }
  }
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => `${String(n).padStart(5)}  ${key}`);
}
