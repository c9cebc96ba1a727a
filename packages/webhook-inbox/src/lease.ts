/** A new lease token for `worker`: unique per claim, so a re-claim never matches an old lease. */
export function newLease(worker: string): string {
  return `${worker}:${crypto.randomUUID()}`;
}

/** Checks a claim's options: a store given nonsense would claim forever or never. */
export function validLimit(limit: number): number {
  return Number.isInteger(limit) && limit > 0 ? Math.min(limit, 1_000) : 1;
}

/** The `limit` of a list: default and maximum 1,000. */
export function listLimit(limit: number | undefined): number {
  return limit !== undefined && Number.isInteger(limit) && limit > 0
    ? Math.min(limit, 1_000)
    : 1_000;
}
