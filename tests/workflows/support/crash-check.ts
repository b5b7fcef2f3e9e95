import type { ProcessHost } from '../../support/process-host.ts';
import type { Effect } from './counter-contract.ts';

export interface Scenario {
  key: string;
  faults: Record<string, string>;
  ends: 'completed' | 'compensated';
}

interface Saga {
  id: string;
  state: string;
  leased: boolean;
}
interface Booking {
  id: string;
  status: string;
  confirmations: number;
  cancellations: number;
}

const read = async <T>(host: ProcessHost, path: string): Promise<T> => {
  const response = await host.fetch(path);
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
};

/** Waits (up to 90 s) for every saga to end, then checks it ended as its scenario says, with every effect once or net zero. */
export async function checkOutcomes(host: ProcessHost, ids: readonly string[], scenarios: readonly Scenario[]): Promise<void> {
  const deadline = Date.now() + 90_000;
  let sagas: Saga[];
  for (;;) {
    sagas = (await read<{ items: Saga[] }>(host, '/ops/sagas?module=trips&limit=500')).items;
    if (sagas.length === ids.length && sagas.every((s) => s.state === 'completed' || s.state === 'compensated')) break;
    if (Date.now() > deadline) throw new Error(`sagas did not end: ${JSON.stringify(sagas)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const effects = [
    ...(await read<{ items: Effect[] }>(host, '/rooms/v1/effects')).items,
    ...(await read<{ items: Effect[] }>(host, '/payments/v1/effects')).items,
  ];
  const bookings = (await read<{ items: Booking[] }>(host, '/trips/v1/bookings')).items;
  const problems: string[] = [];
  for (const [i, id] of ids.entries()) {
    const scenario = scenarios[i] as Scenario;
    const saga = sagas.find((s) => s.id === id);
    const booking = bookings.find((b) => b.id === id);
    const mine = effects.filter((e) => e.ref === id);
    const say = (what: string) => problems.push(`${scenario.key} (${id}): ${what}`);
    if (saga?.state !== scenario.ends) say(`ended ${saga?.state}, not ${scenario.ends}`);
    if (saga?.leased) say('is still leased');
    if (scenario.ends === 'completed') {
      const applied = mine.map((e) => `${e.step}:${e.effects}/${e.compensations}`).sort();
      const expected = ['capture-payment:1/0', 'charge-card:1/0', 'issue-voucher:1/0', 'reserve-room:1/0'];
      if (JSON.stringify(applied) !== JSON.stringify(expected)) say(`effects ${applied.join(', ')}`);
      if (booking?.status !== 'confirmed' || booking.confirmations !== 1 || booking.cancellations !== 0) say(`booking ${JSON.stringify(booking)}`);
    } else {
      for (const e of mine) if (e.effects !== e.compensations || e.effects > 1) say(`${e.step} applied ${e.effects}, undone ${e.compensations}`);
      if (mine.some((e) => e.step === 'issue-voucher' || e.step === 'capture-payment')) say('ran a step past the point of no return');
      if (booking?.status === 'confirmed' || (booking?.confirmations ?? 0) > 0) say(`booking ${JSON.stringify(booking)}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}
