import { createRetryBudget } from '@brace/backoff';
import { backoffHooks, backoffRetry } from '@brace/backoff/ky';
import { composeHooks } from '@brace/core';
import { idempotencyHooks } from '@brace/idempotency/ky';
import { problemDetailsHooks } from '@brace/problem-details/ky';
import { createRateLimiter } from '@brace/rate-limit';
import { rateLimitHooks } from '@brace/rate-limit/ky';
import type { DriftReport } from '@brace/schema-guard';
import { schemaGuardHooks } from '@brace/schema-guard/ky';
import ky from 'ky';
import { type LinkResponse, routes } from './routes.js';
import { type CampaignClient, type LinkInput, TIMEOUT_MS } from './types.js';

/**
 * The limiter spaces requests evenly (GCRA: `burst` set) at the advertised quota spread over
 * a window 20% longer than the provider's 1 s, with bursts of at most 5% of the quota. Any
 * provider second then sees at most ~88% of its limit (over 100 ms of slack): requests leave the client spaced but
 * can arrive bunched (latency jitter, a busy event loop), and the provider counts arrivals.
 * It also keeps `remaining` above 0, so the limiter never has to pause for a reset.
 */
export const SAFETY_MARGIN = 1.2;

/** What the Brace client needs to know. */
export interface BraceClientOptions {
  /** The provider's quota per second, as advertised in `RateLimit-Policy`. */
  rate: number;
  /** Names the mailing: the idempotency key is `<mailing>/<recipientId>`. */
  mailing: string;
  onRetry?: () => void;
  onDrift?: (report: DriftReport) => void;
  /** The fetch underneath (the demo's meter). */
  fetch?: typeof fetch;
}

/**
 * The centerpiece: one ky instance composed from all six packages. Every attempt waits for
 * the limiter (and learns from RateLimit / Retry-After headers); every POST carries a stable
 * Idempotency-Key, so backoff may retry it — after a 503, a dropped connection or a timeout —
 * and the provider replays the stored answer instead of creating a second link; responses are
 * checked against the documented schema (drift reported, not thrown); errors that reach the
 * app are RFC 9457 problems. The retry budget allows 50% because this provider fails about
 * 14% of attempts on purpose (the 10% default would give up on some links).
 */
export function createBraceClient(baseUrl: string, options: BraceClientOptions) {
  const limiter = createRateLimiter({
    policies: [
      {
        limit: options.rate,
        intervalMs: Math.ceil(1000 * SAFETY_MARGIN),
        burst: Math.max(1, Math.floor(options.rate / 20)),
      },
    ],
  });
  const budget = createRetryBudget({ ratio: 0.5 });

  const api = ky.create({
    baseUrl,
    timeout: TIMEOUT_MS,
    fetch: options.fetch,
    retry: backoffRetry({ attempts: 8, retryOnTimeout: true, budget, onRetry: options.onRetry }),
    hooks: composeHooks(
      rateLimitHooks(limiter),
      idempotencyHooks(),
      schemaGuardHooks(routes, { mode: 'warn', onDrift: options.onDrift }),
      problemDetailsHooks(),
      backoffHooks({ budget }),
    ),
  });

  const client: CampaignClient = {
    name: 'brace',
    queueDepth: () => limiter.stats().queued,
    createLink: (link: LinkInput, signal?: AbortSignal) =>
      api
        .post('links', {
          json: link,
          context: { idempotencyKey: `${options.mailing}/${link.recipientId}` },
          ...(signal ? { signal } : {}),
        })
        .json<LinkResponse>(),
  };
  return { api, limiter, client };
}
