/** Fault shares of one run (fed to `@brace/simulator`'s fault plan). */
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
