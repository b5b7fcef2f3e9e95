import { setImmediate } from 'node:timers';

/**
 * Resolves once the event loop has polled for I/O at least once: signals that arrived while the process was busy
 * (PGlite's migrations run without a turn of the loop) are delivered to their listeners before it resolves. A timer
 * alone is not enough on Node (its timers phase comes before the poll phase, so it can fire first); an immediate runs
 * after the poll phase. Deno polls its operations, signals included, for the timer.
 */
export async function eventLoopTurn(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await new Promise((resolve) => setImmediate(resolve));
}
