// The time source of the Bakes view, injected so tests control the ticking elapsed times.

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `tick` every `ms`; returns the function that stops it. */
  every(ms: number, tick: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms, tick) {
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  },
};

/** A clock for tests: time moves only when `advance` is called. */
export class ManualClock implements Clock {
  private readonly ticks = new Set<() => void>();

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  every(_ms: number, tick: () => void): () => void {
    this.ticks.add(tick);
    return () => {
      this.ticks.delete(tick);
    };
  }

  advance(ms: number): void {
    this.time += ms;
    for (const tick of this.ticks) tick();
  }
}
