import type { ProviderLedger } from '@brace/simulator';

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
  /** Requests repeating an earlier POST /links (a second try at the same link). */
  retries: number;
  /** Random 503 answers. */
  unavailable: number;
  /** Responses dropped after commit. */
  dropped: number;
}

export type DeliveryKind = 'genuine' | 'duplicate' | 'forged' | 'stale';

/**
 * Everything the provider did in one run, from its own side: the demo's results are computed
 * from this, never from what the clients believe. Traffic figures come from the
 * `@brace/simulator` ledger; the links (per recipient) from the demo's links API.
 */
export class Ledger {
  /** Link ids created per recipientId. */
  readonly linksByRecipient = new Map<string, string[]>();
  badRequests = 0;
  /** Requests answered 503 because the demo had switched the provider off (the outage). */
  outageAnswers = 0;
  #sim: ProviderLedger | undefined;

  constructor(readonly limit: number) {}

  /** Connects the simulator's ledger (once the provider runs). */
  attach(sim: ProviderLedger): void {
    this.#sim = sim;
  }

  get #ledger(): ProviderLedger {
    if (this.#sim === undefined) throw new Error('The ledger is not attached to a provider yet.');
    return this.#sim;
  }

  get requests(): number {
    return this.#ledger.requests;
  }
  get rateLimited(): number {
    return this.#ledger.rateLimited;
  }
  get overLimit(): number {
    return this.#ledger.overLimit;
  }
  get unavailable(): number {
    return this.#ledger.faults.error;
  }
  get dropped(): number {
    return this.#ledger.faults.drop;
  }
  get slow(): number {
    return this.#ledger.faults.slow;
  }
  get replayed(): number {
    return this.#ledger.replayed;
  }
  /**
   * Requests that came with an access token past its lifetime, counted on arrival (answered 401,
   * or 429/503 when the rate limit or an injected fault refused them before the token check).
   */
  get expiredTokens(): number {
    return this.#ledger.expiredTokens;
  }
  /** Requests per route pattern (`POST /links`, `GET /links/:id`, ...). */
  get routes(): Record<string, number> {
    return { ...this.#ledger.routes };
  }
  /** How many answers had each status. */
  get statuses(): Record<string, number> {
    return { ...this.#ledger.statuses };
  }
  /** POST requests repeating an earlier one (same body): every retry, whoever made it. */
  get retries(): number {
    return this.#ledger.retries;
  }

  /** Per second since the provider started. */
  get seconds(): SecondStats[] {
    return this.#ledger.seconds.map((s) => ({
      requests: s.requests,
      accepted: s.accepted,
      rateLimited: s.rateLimited,
      overLimit: s.overLimit,
      retries: s.retries,
      unavailable: s.errors,
      dropped: s.dropped,
    }));
  }

  /** Webhook deliveries sent, by kind. */
  get deliveries(): Record<DeliveryKind, number> {
    const w = this.#ledger.webhooks;
    return {
      genuine: w.events - w.missed,
      duplicate: w.duplicates,
      forged: w.forged,
      stale: w.stale,
    };
  }

  linkCreated(recipientId: string, id: string): void {
    const ids = this.linksByRecipient.get(recipientId);
    if (ids) ids.push(id);
    else this.linksByRecipient.set(recipientId, [id]);
  }

  /** Links created in all (duplicates included). */
  get linksCreated(): number {
    let n = 0;
    for (const ids of this.linksByRecipient.values()) n += ids.length;
    return n;
  }
}
