import process from 'node:process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashRun, killPoints, startParticipant, type Participant } from './crash-run.ts';

/**
 * Every kill point, each repeated (SAGA_REPEATS, default 2), against the orchestrator on `name`: PGlite (a data
 * directory that outlives the process) or PostgreSQL (`url`, from TEST_DATABASE_URL; skipped with its name when unset).
 */
export function crashMatrix(name: 'pglite' | 'postgres', url: string | undefined): void {
  const repeats = Number(process.env.SAGA_REPEATS ?? 2);
  const cells = killPoints.flatMap((point) => Array.from({ length: repeats }, (_, i) => [point, i + 1] as const));
  describe.skipIf(name === 'postgres' && !url)(`saga crash matrix on ${name}`, { timeout: 300_000 }, () => {
    let participant: Participant;
    const timings: string[] = [];
    const began = Date.now();
    beforeAll(async () => {
      participant = await startParticipant(url);
    }, 120_000);
    afterAll(async () => {
      await participant?.close();
      process.stdout.write(`saga crash matrix on ${name}: ${cells.length} runs in ${((Date.now() - began) / 1000).toFixed(0)} s\n${timings.join('\n')}\n`);
    });

    it.each(cells)('killed at %s (run %i): every saga completed or compensated, every effect once', async (point, run) => {
      const ms = await crashRun(participant, point);
      timings.push(`  ${point} #${run}: ${(ms / 1000).toFixed(1)} s`);
      expect(ms).toBeGreaterThan(0);
    });
  });
}
