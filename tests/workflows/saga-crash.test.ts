import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashRun, startParticipant, type Participant } from './support/crash-run.ts';

// The quick subset of the crash matrix (`npm run test:sagas` runs all of it, on PostgreSQL too): a kill inside an
// in-process step, one after a participant over HTTP took effect but before its reply was recorded, one mid-compensation.
const points = ['mid-invoke:reserve-room', 'invoked:charge-card', 'compensated:reserve-room'];

describe('sagas survive SIGKILL of the orchestrating process (quick subset, PGlite)', { timeout: 240_000 }, () => {
  let participant: Participant;
  beforeAll(async () => {
    participant = await startParticipant(undefined);
  }, 120_000);
  afterAll(async () => participant?.close());

  it.each(points)('killed at %s: every saga ends completed or fully compensated, every effect once', async (point) => {
    expect(await crashRun(participant, point)).toBeGreaterThan(0);
  });

  it('on Deno too: the orchestrator killed at invoked:reserve-room and restarted on Deno', async () => {
    expect(await crashRun(participant, 'invoked:reserve-room', 'deno')).toBeGreaterThan(0);
  });
});
