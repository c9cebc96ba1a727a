import ky from 'ky';
import {
  type CampaignClient,
  type LinkInput,
  type Meter,
  meteredFetch,
  TIMEOUT_MS,
} from './types.js';

/** How many times the naive app calls again after an error. */
export const NAIVE_CALLS = 3;

/**
 * What many apps do: ky with its defaults (no retry for POST, no limiter), the same timeout
 * as the Brace client, a fresh Idempotency-Key per call (to get past the provider's
 * requirement), and "on error, just call again" — up to 3 calls, each with a new key. A
 * dropped or slow answer after commit therefore creates a duplicate, and 429s are hammered.
 */
export function createNaiveClient(
  baseUrl: string,
  meter: Meter,
  onError: (error: unknown) => void,
): CampaignClient {
  const api = ky.create({ baseUrl, timeout: TIMEOUT_MS, fetch: meteredFetch(meter) });
  return {
    name: 'naive',
    queueDepth: () => 0,
    async createLink(link: LinkInput, signal?: AbortSignal) {
      let lastError: unknown;
      for (let call = 1; call <= NAIVE_CALLS; call++) {
        if (call > 1) meter.retries++;
        try {
          return await api
            .post('links', {
              json: link,
              headers: { 'idempotency-key': crypto.randomUUID() },
              ...(signal ? { signal } : {}),
            })
            .json();
        } catch (error) {
          if (signal?.aborted) throw error;
          onError(error);
          lastError = error;
        }
      }
      throw lastError;
    },
  };
}
