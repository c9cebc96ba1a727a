import { type Random, streamFor } from '../random.js';

/** What the provider does to one request. */
export type Fault = 'none' | 'unavailable' | 'drop' | 'slow';

/** Fault shares of one run. */
export interface FaultRates {
  /** 503 before the handler runs (nothing committed). */
  unavailable: number;
  /** The link is committed, then the socket is destroyed: the client never hears back. */
  drop: number;
  /** The link is committed, then the answer waits longer than the client's timeout. */
  slow: number;
}

/** The shares used for a `--failure-rate`: drops 0.3x and slow answers 0.1x of it. */
export function faultRates(failureRate: number): FaultRates {
  return { unavailable: failureRate, drop: failureRate * 0.3, slow: failureRate * 0.1 };
}

/** Seeded fault injection: one draw before the handler, one after a fresh commit. */
export class FaultPlan {
  readonly #before: Random;
  readonly #after: Random;

  constructor(
    readonly rates: FaultRates,
    seed: number,
  ) {
    this.#before = streamFor(seed, 'faults:before');
    this.#after = streamFor(seed, 'faults:after');
  }

  /** Decided when the request arrives: answer 503 instead of running the handler? */
  beforeHandler(): 'none' | 'unavailable' {
    return this.#before() < this.rates.unavailable ? 'unavailable' : 'none';
  }

  /** Decided once a link was committed (never for a replayed answer). */
  afterCommit(): 'none' | 'drop' | 'slow' {
    const r = this.#after();
    if (r < this.rates.drop) return 'drop';
    if (r < this.rates.drop + this.rates.slow) return 'slow';
    return 'none';
  }
}
