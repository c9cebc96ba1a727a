import { composeHooks } from '@brace/core';
import { createTelemetry, type Telemetry } from '@brace/telemetry';
import { telemetryHooks } from '@brace/telemetry/ky';
import ky from 'ky';
import {
  type CampaignClient,
  type LinkInput,
  type Meter,
  meteredFetch,
  type ReadOutcome,
  TIMEOUT_MS,
} from './types.js';

/** How many times the naive app calls again after an error. */
export const NAIVE_CALLS = 3;

/** The naive app's credentials: it asks for a token once, at start-up. */
export interface NaiveAuth {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Asks the authorization server for a token (client credentials, HTTP Basic), calling again on
 * an error like everything else the naive app does; `undefined` when every call failed.
 */
async function fetchToken(auth: NaiveAuth, fetcher: typeof fetch): Promise<string | undefined> {
  for (let call = 1; call <= NAIVE_CALLS; call++) {
    try {
      const response = await fetcher(auth.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa(`${auth.clientId}:${auth.clientSecret}`)}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      const body = (await response.json()) as { access_token?: unknown };
      if (response.ok && typeof body.access_token === 'string') return body.access_token;
    } catch {
      // call again
    }
  }
  return undefined;
}

/**
 * What many apps do: ky with its defaults (no retry for POST, no limiter, no cache), the same
 * timeout as the Brace client, a token fetched once at start-up and sent until the end (its
 * `expires_in` ignored), a fresh Idempotency-Key per call (to get past the provider's
 * requirement), and "on error, just call again" — up to 3 calls, each with a new key. A dropped
 * or slow answer after commit therefore creates a duplicate, 429s are hammered, and once the
 * token expires every call is a 401. Its telemetry hooks only watch (error rate, p95, health);
 * they change nothing it does.
 */
export async function createNaiveClient(
  baseUrl: string,
  meter: Meter,
  auth: NaiveAuth,
  onError: (error: unknown) => void,
): Promise<{ client: CampaignClient; telemetry: Telemetry; tokensObtained: number }> {
  const fetcher = meteredFetch(meter);
  const token = await fetchToken(auth, fetcher);
  const telemetry = createTelemetry({ integration: 'naive', windowMs: 86_400_000 });
  const api = ky.create({
    baseUrl,
    timeout: TIMEOUT_MS,
    fetch: fetcher,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    hooks: composeHooks(telemetryHooks(telemetry)),
  });
  const again = async <T>(call: (attempt: number) => Promise<T>, signal?: AbortSignal) => {
    let lastError: unknown;
    for (let attempt = 1; attempt <= NAIVE_CALLS; attempt++) {
      try {
        return await call(attempt);
      } catch (error) {
        if (signal?.aborted) throw error;
        onError(error);
        lastError = error;
      }
    }
    throw lastError;
  };
  const client: CampaignClient = {
    name: 'naive',
    queueDepth: () => 0,
    createLink: (link: LinkInput, signal?: AbortSignal) =>
      again((attempt) => {
        if (attempt > 1) meter.retries++;
        return api
          .post('links', {
            json: link,
            headers: { 'idempotency-key': crypto.randomUUID() },
            ...(signal ? { signal } : {}),
          })
          .json();
      }, signal),
    // One call: ky's defaults already retry a GET twice on 5xx and 429.
    async readLink(id: string, signal?: AbortSignal): Promise<ReadOutcome> {
      try {
        await api.get(`links/${encodeURIComponent(id)}`, signal ? { signal } : {}).json();
      } catch (error) {
        if (!signal?.aborted) onError(error);
        throw error;
      }
      return { stale: false };
    },
  };
  return { client, telemetry, tokensObtained: token === undefined ? 0 : 1 };
}
