/**
 * A counting semaphore with a bounded FIFO queue. `acquire` is synchronous when a slot is free (no promise, no
 * await), so a hot path pays nothing while under its limit; a released slot passes straight to the next waiter.
 */
export class Semaphore {
  inFlight = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #max: number;
  readonly #maxQueued: number;

  constructor(max: number, maxQueued = Number.POSITIVE_INFINITY) {
    this.#max = max;
    this.#maxQueued = maxQueued;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /** `true`: a slot is held; `false`: refused (queue full); a promise: a slot once it resolves. */
  acquire(): boolean | Promise<void> {
    if (this.inFlight < this.#max) {
      this.inFlight++;
      return true;
    }
    if (this.#waiting.length >= this.#maxQueued) return false;
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    // The slot passes straight to the next caller: the count stays.
    if (next) next();
    else this.inFlight--;
  }
}
