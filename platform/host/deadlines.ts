/** Something with a deadline (`Date.now()` time) that is told when it passes. */
export interface Expiring {
  readonly deadline: number;
  expire(): void;
}

/**
 * The deadlines of calls in flight, checked by one clock every twentieth of the timeout (at least 5 ms): cheaper
 * than a timer per call, at the price of a call timing out up to that much late.
 */
export class Deadlines<F extends Expiring> {
  readonly #flights = new Set<F>();
  readonly #tickMs: number;
  #clock: ReturnType<typeof setInterval> | undefined;

  constructor(timeoutMs: number) {
    this.#tickMs = Math.max(5, Math.min(250, Math.floor(timeoutMs / 20)));
  }

  add(flight: F): void {
    this.#flights.add(flight);
    if (!this.#clock) {
      this.#clock = setInterval(() => this.#check(), this.#tickMs);
      this.#clock.unref();
    }
  }

  delete(flight: F): void {
    this.#flights.delete(flight);
  }

  close(): void {
    if (this.#clock) clearInterval(this.#clock);
    this.#clock = undefined;
  }

  #check(): void {
    if (this.#flights.size === 0) return this.close();
    const now = Date.now();
    for (const flight of this.#flights) if (flight.deadline <= now) flight.expire();
  }
}
