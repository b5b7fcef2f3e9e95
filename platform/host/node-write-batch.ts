import type { Socket } from 'node:net';
// Node's own, bound at load: a test that fakes the global timers (vi.useFakeTimers) must not stop a server's answers.
import { setImmediate as atCheckPhase } from 'node:timers';

/**
 * Answers ended during one turn of the event loop leave together, at the end of the turn (its check phase), rather
 * than each in a `writev` of its own the moment it ends: the technique Redis uses for its replies (written before it
 * sleeps). Under load, a turn reads many requests; each answer's write would be a system call that, on a machine
 * where the peer waits for it, also wakes the peer (an inter-processor interrupt, dear in a VM). Written back to back
 * once the turn's work is done, the first write wakes the peer and the rest find it awake (bench/README.md measures
 * it). An answer waits at most for the rest of its turn, and never for more than `maxHeld` others: a lone request
 * (no load) is written as soon as its turn's callbacks are done, a few microseconds later.
 *
 * How: the answer's socket is corked before Node's `end` runs and stays corked after it (its "fully uncork" step is
 * passed over), so Node keeps the bytes in the socket's buffer; everything else about the answer is as Node makes it
 * (`writableEnded`, `Connection`, keep-alive, `finish` once the bytes are written). Anything that ends or destroys
 * the socket first writes what it holds (`release`, and `Writable.end` uncorks by itself).
 */
const maxHeld = 32;

/** The sockets holding an ended answer, in the order they were held. */
const held = new Set<Socket>();
let scheduled = false;

/** Runs Node's `end` of an answer on `socket` with the socket's writes held until the turn ends. */
export function endHeld<T>(socket: Socket, end: () => T): T {
  if (socket.destroyed) return end();
  if (!held.has(socket)) {
    socket.cork();
    held.add(socket);
    if (!scheduled) {
      scheduled = true;
      atCheckPhase(atTurnEnd);
    }
  }
  // Node's `end` sets the cork count to 1 and uncorks: the uncork is skipped once, so our cork stays.
  socket.uncork = keepCorked;
  try {
    return end();
  } finally {
    delete (socket as { uncork?: unknown }).uncork;
    if (held.size >= maxHeld) flushHeld();
  }
}

/** Writes what `socket` holds now (before it is destroyed, which would drop it). */
export function release(socket: Socket | null | undefined): void {
  if (socket && held.delete(socket) && !socket.destroyed) socket.uncork();
}

/** Writes every held answer now: before a server closes its idle connections. */
export function flushHeld(): void {
  for (const socket of held) release(socket);
}

function atTurnEnd(): void {
  scheduled = false;
  flushHeld();
}

function keepCorked(): void {}
