/** Both clients give up on an answer after 2 s (the provider's slow answers take longer). */
export const TIMEOUT_MS = 2000;

/** One link of the mailing. */
export interface LinkInput {
  url: string;
  recipientId: string;
}

/** What both clients expose to the campaign (and its live progress bar). */
export interface CampaignClient {
  readonly name: 'naive' | 'brace';
  /**
   * Creates one link; throws what the app would see when it finally gives up. `signal` stops
   * it (Ctrl-C): the attempt in flight is aborted and nothing is retried.
   */
  createLink(link: LinkInput, signal?: AbortSignal): Promise<unknown>;
  /**
   * Reads one link back; throws what the app would see. `stale: true` when the answer came
   * from the client's cache while the provider failed.
   */
  readLink(id: string, signal?: AbortSignal): Promise<ReadOutcome>;
  /** Requests waiting for the client's own queue (0 when it has none). */
  queueDepth(): number;
}

/** What one read gave the app. */
export interface ReadOutcome {
  /** Served from the client's cache, past its freshness, because the provider failed. */
  stale: boolean;
}

/** Client-side meters for the live bar only: the results come from the provider's ledger. */
export interface Meter {
  requests: number;
  retries: number;
  rateLimited: number;
}

export function newMeter(): Meter {
  return { requests: 0, retries: 0, rateLimited: 0 };
}

/** A fetch that counts requests and 429s for the live bar. */
export function meteredFetch(meter: Meter): typeof fetch {
  return async (input, init) => {
    meter.requests++;
    const response = await fetch(input, init);
    if (response.status === 429) meter.rateLimited++;
    return response;
  };
}
