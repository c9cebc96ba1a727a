import type { Clock } from '@brace/core';
import type { IdempotencyStore } from '@brace/idempotency';
import { withIdempotency } from '@brace/idempotency/fetch';
import { createProvider, ietf, type Preset, type Provider as SimProvider } from '@brace/simulator';
import type { FaultRates } from './faults.js';
import { Ledger } from './ledger.js';
import { createLinksApi, PROBLEM_BASE } from './links-api.js';

/** Options of {@link startProvider}. */
export interface ProviderOptions {
  /** Requests per sliding second. */
  rate: number;
  faults: FaultRates;
  seed: number;
  /** The idempotency store behind `POST /links`. */
  store: IdempotencyStore;
  /** How long a slow answer waits (longer than the client timeout). */
  slowMs: number;
  /** The schema drifts after this many links. */
  driftAfter: number;
  /** Where `link.created` webhooks go, and their secret. */
  webhookUrl: string;
  webhookSecret: string;
  /** Also send `X-RateLimit-*`. */
  legacyHeaders: boolean;
  /** The authorization server's clock (the demo moves it ahead mid-run) and its one client. */
  oauth: { clock: Pick<Clock, 'now'>; clientId: string; clientSecret: string };
}

/** Access-token lifetime: one hour, as most authorization servers issue. */
export const TOKEN_TTL_SEC = 3600;

/** A running simulated provider. */
export interface Provider {
  url: string;
  ledger: Ledger;
  /** Switches the outage on or off: while on, every API request is answered 503. */
  setOutage(on: boolean): void;
  /** Waits for webhooks in flight, then stops the server. */
  close(): Promise<void>;
}

/** Shares of the extra webhook deliveries mixed in, per created link. */
export const DELIVERY_MIX = { duplicates: 0.1, forged: 0.05, stale: 0.05 } as const;

/**
 * The IETF preset with the demo's problem types, its own idempotency (the `@brace/idempotency`
 * middleware in the route, on the store under test) and, optionally, the legacy
 * `X-RateLimit-*` trio.
 */
function demoPreset(legacyHeaders: boolean): Preset {
  return {
    ...ietf,
    name: 'links',
    idempotency: { mode: 'none' },
    rateLimitHeaders(state) {
      const headers = ietf.rateLimitHeaders(state);
      if (legacyHeaders) {
        headers['x-ratelimit-limit'] = String(state.limit);
        headers['x-ratelimit-remaining'] = String(state.remaining);
        headers['x-ratelimit-reset'] = String(Math.ceil(state.resetMs / 1000));
      }
      return headers;
    },
    error(kind, status, message) {
      if (kind === 'rate_limited') {
        return problemAnswer(
          'rate-limited',
          'Rate limit exceeded',
          status,
          'Too many requests per second.',
        );
      }
      if (kind === 'server_error' && status === 503) {
        return problemAnswer(
          'maintenance',
          'Temporarily unavailable',
          status,
          'The links service is briefly unavailable; try again.',
        );
      }
      return ietf.error(kind, status, message);
    },
  };
}

function problemAnswer(type: string, title: string, status: number, detail: string) {
  return {
    contentType: 'application/problem+json',
    body: { type: `${PROBLEM_BASE}/${type}`, title, status, detail },
  };
}

/**
 * Starts the simulated short-links provider on 127.0.0.1, port 0, on `@brace/simulator`: its
 * rolling-window rate limit advertised in IETF `RateLimit`/`RateLimit-Policy` headers (429 +
 * Retry-After past it), random 503s, answers dropped or delayed after the link was committed,
 * Standard-Webhooks-signed `link.created` webhooks with duplicates, forgeries and stale
 * timestamps; the demo adds its links API, a schema drift mid-run and the `@brace/idempotency`
 * middleware in front of `POST /links`, an OAuth authorization server (client credentials,
 * one-hour tokens, on a clock the demo moves ahead mid-run) and an outage switch.
 */
export async function startProvider(options: ProviderOptions): Promise<Provider> {
  const ledger = new Ledger(options.rate);
  let sim: SimProvider | undefined;
  let origin = 'http://127.0.0.1';
  const api = createLinksApi({
    ledger,
    get shortOrigin() {
      return `${origin}/s`;
    },
    driftAfter: options.driftAfter,
    onCreated: (link) => {
      sim?.webhooks?.emit('link.created', {
        id: link.id,
        recipientId: link.recipientId,
        url: link.url,
      });
    },
  });
  const idempotent = withIdempotency(api, {
    store: options.store,
    required: true,
    lockTtlMs: 10_000,
  });
  let outage = false;
  const handler = (request: Request): Promise<Response> | Response => {
    if (!outage) return idempotent(request);
    ledger.outageAnswers++;
    const body = problemAnswer('outage', 'Service unavailable', 503, 'The links API is down.');
    return Response.json(body.body, {
      status: 503,
      headers: { 'content-type': body.contentType },
    });
  };
  sim = await createProvider({
    seed: options.seed,
    preset: demoPreset(options.legacyHeaders),
    rateLimit: { limit: options.rate, windowMs: 1000 },
    faults: {
      error: options.faults.unavailable,
      drop: options.faults.drop,
      slow: options.faults.slow,
      slowMs: options.slowMs,
    },
    resources: false,
    routes: {
      'POST /links': (request) => handler(request),
      'GET /links/:id': (request) => handler(request),
      'GET /status': (request) => handler(request),
    },
    webhooks: {
      url: options.webhookUrl,
      secret: options.webhookSecret,
      ...DELIVERY_MIX,
      staleSec: 600,
      retryDelaysMs: [],
    },
    oauth: {
      clock: options.oauth.clock,
      seed: options.seed,
      accessTokenTtlSec: TOKEN_TTL_SEC,
      clients: [{ clientId: options.oauth.clientId, clientSecret: options.oauth.clientSecret }],
    },
    transcriptLimit: 0,
  });
  origin = sim.url;
  ledger.attach(sim.ledger);
  const running = sim;
  return {
    url: running.url,
    ledger,
    setOutage: (on) => {
      outage = on;
    },
    close: () => running.close(),
  };
}
