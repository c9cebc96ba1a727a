import { clientCredentials } from '@brace/auth';
import { createRetryBudget } from '@brace/backoff';
import { defineIntegration, type SharedOptions } from '@brace/client';
import type { Clock } from '@brace/core';
import { type LinkResponse, routes } from './routes.js';
import { type CampaignClient, type LinkInput, type ReadOutcome, TIMEOUT_MS } from './types.js';

/**
 * The limiter paces the advertised quota over a window 200 ms longer than the provider's 1 s
 * (`safetyMarginMs`): requests leave the client evenly spaced but can arrive bunched (latency
 * jitter, a busy event loop shared with the provider), and the provider counts arrivals. Any
 * provider second then sees at most ~83% of its limit.
 */
export const SAFETY_MARGIN_MS = 200;

/**
 * The breaker opens when 80% of at least 20 calls in 10 s fail (this provider fails ~14% of
 * attempts on purpose, in streaks at times: the default 50% of 10 would cut the campaign off),
 * and probes again after 1 s.
 */
export const BREAKER = { failureRatio: 0.8, minimumThroughput: 20, breakDurationMs: 1000 } as const;

/** What the Brace client needs to know. */
export interface BraceClientOptions {
  /** The provider's quota per second, as advertised in `RateLimit-Policy`. */
  rate: number;
  /** The authorization server: its token endpoint and the demo's client. */
  oauth: { tokenUrl: string; clientId: string; clientSecret: string };
  /** The app's wall clock (the token manager reads expiry on it). */
  clock: Clock;
  /** The fetch underneath (the demo's meter). */
  fetch?: typeof fetch;
  /** `--workers`: the Redis or PostgreSQL every worker process shares. */
  shared?: SharedOptions;
}

/**
 * The centerpiece: the whole Brace side is this one declaration. Every part is on: OAuth client
 * credentials through a token manager (refreshed ahead of expiry, once), a limiter paced under
 * the advertised quota and learning from RateLimit / Retry-After headers, retries with full
 * jitter inside a 50% budget (this provider fails about 14% of attempts on purpose; the 10%
 * default would give up on some links), an `Idempotency-Key` on every POST (the same on each
 * retry, so the provider replays instead of creating a second link), a circuit breaker, an HTTP
 * cache that answers reads from a stale entry while the provider fails, schema drift reported
 * (warn mode), RFC 9457 errors, and telemetry (error rate, p95, health).
 */
export function createBraceClient(baseUrl: string, options: BraceClientOptions) {
  const links = defineIntegration({
    name: 'links',
    baseUrl,
    auth: {
      grant: clientCredentials({ ...options.oauth, allowInsecureRequests: true }),
      clock: options.clock,
    },
    rateLimit: {
      policies: [{ limit: options.rate, intervalMs: 1000 }],
      safetyMarginMs: SAFETY_MARGIN_MS,
    },
    retry: { attempts: 8, retryOnTimeout: true, budget: createRetryBudget({ ratio: 0.5 }) },
    breaker: BREAKER,
    routes,
    cache: {},
    telemetry: { windowMs: 86_400_000 },
    timeoutMs: TIMEOUT_MS, // per attempt, from when it is sent (a queued call is not timed)
    validatePath: 'status',
    warn: false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.shared ? { shared: options.shared } : {}),
  });

  const client: CampaignClient = {
    name: 'brace',
    queueDepth: () => links.stats().limiter?.queued ?? 0,
    createLink: (link: LinkInput, signal?: AbortSignal) =>
      links.post('links', { json: link, ...(signal ? { signal } : {}) }).json<LinkResponse>(),
    async readLink(id: string, signal?: AbortSignal): Promise<ReadOutcome> {
      const response = await links.get(`links/${encodeURIComponent(id)}`, {
        ...(signal ? { signal } : {}),
      });
      await response.arrayBuffer();
      const served = response.headers.get('brace-cache');
      return { stale: served !== null && served !== 'fresh' && served !== 'revalidated' };
    },
  };
  return { links, client };
}
