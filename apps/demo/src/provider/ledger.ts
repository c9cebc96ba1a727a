/** One second of a run, as the provider saw it. */
export interface SecondStats {
  /** Every request that arrived. */
  requests: number;
  /** Requests the provider accepted (not 429). */
  accepted: number;
  /** 429 answers. */
  rateLimited: number;
  /** Arrivals while the sliding window of arrivals already held `limit`. */
  overLimit: number;
  /** Requests for a recipient already seen (a second try at the same link). */
  retries: number;
  /** Random 503 answers. */
  unavailable: number;
  /** Responses dropped after commit. */
  dropped: number;
}

export type DeliveryKind = 'genuine' | 'duplicate' | 'forged' | 'stale';

function emptySecond(): SecondStats {
  return {
    requests: 0,
    accepted: 0,
    rateLimited: 0,
    overLimit: 0,
    retries: 0,
    unavailable: 0,
    dropped: 0,
  };
}

/**
 * Everything the provider did in one run, from its own side: the demo's results are computed
 * from this, never from what the clients believe.
 */
export class Ledger {
  readonly startedAt: number;
  endedAt: number | undefined;
  /** Per second since `startedAt`. */
  readonly seconds: SecondStats[] = [];
  /** Link ids created per recipientId. */
  readonly linksByRecipient = new Map<string, string[]>();
  /** POST /links requests per recipientId (whatever their outcome). */
  readonly attemptsByRecipient = new Map<string, number>();
  requests = 0;
  postRequests = 0;
  rateLimited = 0;
  overLimit = 0;
  unavailable = 0;
  dropped = 0;
  slow = 0;
  replayed = 0;
  badRequests = 0;
  readonly deliveries: Record<DeliveryKind, number> = {
    genuine: 0,
    duplicate: 0,
    forged: 0,
    stale: 0,
  };
  deliveryFailures = 0;

  constructor(
    readonly limit: number,
    readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  #second(at: number): SecondStats {
    const index = Math.max(0, Math.floor((at - this.startedAt) / 1000));
    while (this.seconds.length <= index) this.seconds.push(emptySecond());
    return this.seconds[index] as SecondStats;
  }

  arrival(at: number, overLimit: boolean): void {
    this.requests++;
    const s = this.#second(at);
    s.requests++;
    if (overLimit) {
      this.overLimit++;
      s.overLimit++;
    }
  }

  accepted(at: number): void {
    this.#second(at).accepted++;
  }

  /** A POST /links for this recipient arrived (counted as a retry if seen before). */
  attempt(at: number, recipientId: string): void {
    this.postRequests++;
    const seen = this.attemptsByRecipient.get(recipientId) ?? 0;
    this.attemptsByRecipient.set(recipientId, seen + 1);
    if (seen > 0) this.#second(at).retries++;
  }

  rateLimit(at: number): void {
    this.rateLimited++;
    this.#second(at).rateLimited++;
  }

  unavailableAnswer(at: number): void {
    this.unavailable++;
    this.#second(at).unavailable++;
  }

  drop(at: number): void {
    this.dropped++;
    this.#second(at).dropped++;
  }

  linkCreated(recipientId: string, id: string): void {
    const ids = this.linksByRecipient.get(recipientId);
    if (ids) ids.push(id);
    else this.linksByRecipient.set(recipientId, [id]);
  }

  delivery(kind: DeliveryKind): void {
    this.deliveries[kind]++;
  }

  /** Links created in all (duplicates included). */
  get linksCreated(): number {
    let n = 0;
    for (const ids of this.linksByRecipient.values()) n += ids.length;
    return n;
  }

  /** POST requests beyond the first per recipient: every retry, whoever made it. */
  get retries(): number {
    return this.postRequests - this.attemptsByRecipient.size;
  }

  finish(): void {
    this.endedAt ??= this.now();
  }
}
