import type { FaultName } from './faults.js';
import type { OAuthLedger } from './oauth-ledger.js';
import { redactBody } from './redact.js';

const DECODER = new TextDecoder();

/**
 * One second of a run, as the provider saw it.
 *
 * @example
 * ```ts
 * import type { SecondStats } from '@brace/simulator';
 *
 * const share = (s: SecondStats) => s.rateLimited / Math.max(1, s.requests);
 * ```
 */
export interface SecondStats {
  /** Every request that arrived. */
  requests: number;
  /** Requests inside the limit. */
  accepted: number;
  /** Answers refused by the rate limit. */
  rateLimited: number;
  /** Arrivals while the window of arrivals already held `limit`. */
  overLimit: number;
  /** Writes repeating an earlier write (same method, path and body). */
  retries: number;
  /** Injected 5xx answers. */
  errors: number;
  /** Answers dropped after commit. */
  dropped: number;
}

/**
 * One request as the provider answered it (`fault` names what was injected).
 *
 * @example
 * ```ts
 * import type { TranscriptEntry } from '@brace/simulator';
 *
 * const line = (e: TranscriptEntry) => `${e.method} ${e.path} ${e.status}`;
 * ```
 */
export interface TranscriptEntry {
  /** 1-based position in the transcript. */
  seq: number;
  /** Ms since the provider started, by its clock. */
  at: number;
  /** The request method. */
  method: string;
  /** The request path and query. */
  path: string;
  /** The status sent, or 0 when the connection was dropped or reset. */
  status: number;
  /** The fault injected, if any. */
  fault: FaultName | 'none';
  /** The response body as sent (at most 4 KB kept). */
  body: string;
}

/**
 * Webhook deliveries, counted on the sender's side.
 *
 * @example
 * ```ts
 * import type { WebhookStats } from '@brace/simulator';
 *
 * const lost = (w: WebhookStats) => w.events - w.acknowledged;
 * ```
 */
export interface WebhookStats {
  /** Events emitted (delivered or not). */
  events: number;
  /** HTTP attempts made (every kind, retries included). */
  attempts: number;
  /** Events whose delivery got a 2xx. */
  acknowledged: number;
  /** Attempts after a non-2xx or a network error. */
  retried: number;
  /** Events given up after the last retry. */
  failed: number;
  /** Extra deliveries of an already delivered event. */
  duplicates: number;
  /** Deliveries signed with a wrong secret. */
  forged: number;
  /** Deliveries with a timestamp too old. */
  stale: number;
  /** Deliveries with a timestamp in the future. */
  future: number;
  /** Events never delivered (`missed` mode); they are still listed. */
  missed: number;
  /** Deliveries sent out of order (held back behind a later event). */
  reordered: number;
}

const MAX_KEYS = 100_000;
const MAX_LINES = 1000;
const MAX_BODY_CHARS = 4096;
/**
 * Distinct route keys `ledger.routes` counts at most (10,000); later new ones are counted under
 * {@link OTHER_ROUTES}, so a long run over many ids keeps bounded memory.
 *
 * @example
 * ```ts
 * import { MAX_ROUTE_KEYS, type ProviderLedger } from '@brace/simulator';
 *
 * const saturated = (ledger: ProviderLedger) => Object.keys(ledger.routes).length >= MAX_ROUTE_KEYS;
 * ```
 */
export const MAX_ROUTE_KEYS = 10_000;
/**
 * The `routes` key of requests past {@link MAX_ROUTE_KEYS} distinct routes.
 *
 * @example
 * ```ts
 * import { OTHER_ROUTES, type ProviderLedger } from '@brace/simulator';
 *
 * const overflow = (ledger: ProviderLedger) => ledger.routes[OTHER_ROUTES] ?? 0;
 * ```
 */
export const OTHER_ROUTES = '(other routes)';
/**
 * Per-second records `ledger.seconds` keeps at most (one hour); older seconds are forgotten
 * first.
 *
 * @example
 * ```ts
 * import { MAX_SECONDS } from '@brace/simulator';
 *
 * const hours = MAX_SECONDS / 3600; // 1
 * ```
 */
export const MAX_SECONDS = 3600;

function emptySecond(): SecondStats {
  return {
    requests: 0,
    accepted: 0,
    rateLimited: 0,
    overLimit: 0,
    retries: 0,
    errors: 0,
    dropped: 0,
  };
}

/**
 * Everything the provider did, from its own side: assert on this, never on what the client
 * believes. Counters are plain fields; maps and lists are bounded.
 *
 * @example
 * ```ts
 * import { createProvider } from '@brace/simulator';
 *
 * const provider = await createProvider({ seed: 1 });
 * await fetch(`${provider.url}/items`, { method: 'POST', body: '{"a":1}' });
 * provider.ledger.created; // 1
 * await provider.close();
 * ```
 */
export class ProviderLedger {
  /** Provider clock when it started (Unix ms). */
  readonly startedAt: number;
  /** Every request that arrived (control endpoints aside). */
  requests = 0;
  /** Requests inside the rate limit. */
  accepted = 0;
  /** Requests refused by the rate limit. */
  rateLimited = 0;
  /** Arrivals while the window of arrivals already held the limit. */
  overLimit = 0;
  /** Resources created (duplicates included). */
  created = 0;
  /** Resources created with the same identity as an earlier one. */
  duplicates = 0;
  /** Writes repeating an earlier write. */
  retries = 0;
  /** Answers replayed from an idempotency key. */
  replayed = 0;
  /**
   * Requests sent with an expired access token (OAuth on), counted on arrival: those the rate
   * limit or an injected fault refused before the token check included (`oauth.expiredTokenRequests`
   * counts only the ones the OAuth server checked and answered 401).
   */
  expiredTokens = 0;
  /** Answers by status (0: no answer). */
  readonly statuses: Record<string, number> = Object.create(null);
  /**
   * Requests by route pattern (at most {@link MAX_ROUTE_KEYS} keys: paths the provider cannot
   * reduce to a pattern, such as `/users/12345`, are counted under `'(other routes)'` past it).
   */
  readonly routes: Record<string, number> = Object.create(null);
  /** Injected faults by name. */
  readonly faults: Record<FaultName, number> = {
    error: 0,
    rateLimit: 0,
    rateLimitNoRetryAfter: 0,
    reset: 0,
    drop: 0,
    slow: 0,
    slowBody: 0,
    truncate: 0,
  };
  /** Webhook deliveries. */
  readonly webhooks: WebhookStats = {
    events: 0,
    attempts: 0,
    acknowledged: 0,
    retried: 0,
    failed: 0,
    duplicates: 0,
    forged: 0,
    stale: 0,
    future: 0,
    missed: 0,
    reordered: 0,
  };
  /**
   * Per second since `startedAt`: `seconds[i]` is second `firstSecond + i`. At most
   * {@link MAX_SECONDS} are kept (the oldest are forgotten first), so a clock moved days ahead
   * costs nothing.
   */
  readonly seconds: SecondStats[] = [];
  /** Which second since `startedAt` `seconds[0]` is (0 until older seconds are forgotten). */
  firstSecond = 0;
  /** The duplicate creations, one line each (the assertions' details; at most 1,000 per list). */
  readonly duplicateLines: string[] = [];
  /** The requests over the limit, one line each. */
  readonly overLimitLines: string[] = [];
  /** The requests with expired tokens, one line each. */
  readonly expiredTokenLines: string[] = [];
  /** Every request and its answer, in order (at most `transcriptLimit`). */
  readonly transcript: TranscriptEntry[] = [];
  /** The OAuth server's own ledger, when OAuth is on. */
  oauth: OAuthLedger | undefined;

  /** Each identity's first resource id. */
  readonly #identities = new Map<string, string>();
  #routeKeys = 0;
  readonly #writes = new Set<string>();

  constructor(
    startedAt: number,
    /** Transcript entries kept at most. */
    readonly transcriptLimit = 10_000,
  ) {
    this.startedAt = startedAt;
  }

  /** The stats of the second `at` falls in (a detached record for a second already forgotten). */
  second(at: number): SecondStats {
    const index = Math.max(0, Math.floor((at - this.startedAt) / 1000));
    if (index < this.firstSecond) return emptySecond();
    const keepFrom = Math.max(this.firstSecond, index - MAX_SECONDS + 1);
    if (keepFrom > this.firstSecond) {
      this.seconds.splice(0, Math.min(this.seconds.length, keepFrom - this.firstSecond));
      this.firstSecond = keepFrom;
    }
    while (this.firstSecond + this.seconds.length <= index) this.seconds.push(emptySecond());
    return this.seconds[index - this.firstSecond] as SecondStats;
  }

  /** Records an arrival and the rate limit's verdict. */
  arrival(at: number, route: string, overLimit: boolean, allowed: boolean): void {
    this.requests++;
    let key = route;
    if (this.routes[key] === undefined) {
      if (this.#routeKeys >= MAX_ROUTE_KEYS) key = OTHER_ROUTES;
      else this.#routeKeys++;
    }
    this.routes[key] = (this.routes[key] ?? 0) + 1;
    const s = this.second(at);
    s.requests++;
    if (overLimit) {
      this.overLimit++;
      s.overLimit++;
      if (this.overLimitLines.length < MAX_LINES) {
        this.overLimitLines.push(
          `request ${this.requests} (${route}) at +${at - this.startedAt} ms`,
        );
      }
    }
    if (allowed) {
      this.accepted++;
      s.accepted++;
    } else {
      this.rateLimited++;
      s.rateLimited++;
    }
  }

  /** A write arrived; counted as a retry when the same method, path and body came before. */
  write(at: number, fingerprint: string): void {
    if (this.#writes.has(fingerprint)) {
      this.retries++;
      this.second(at).retries++;
      return;
    }
    if (this.#writes.size >= MAX_KEYS)
      this.#writes.delete(this.#writes.values().next().value as string);
    this.#writes.add(fingerprint);
  }

  /** Records an injected fault. */
  fault(at: number, fault: FaultName): void {
    this.faults[fault]++;
    if (fault === 'error') this.second(at).errors++;
    if (fault === 'drop') this.second(at).dropped++;
  }

  /** A resource was created; `identity` says which creations count as the same one. */
  createdResource(collection: string, id: string, identity: string | undefined): void {
    this.created++;
    if (identity === undefined) return;
    const key = `${collection}\u0000${identity}`;
    const first = this.#identities.get(key);
    if (first === undefined) {
      if (this.#identities.size >= MAX_KEYS)
        this.#identities.delete(this.#identities.keys().next().value as string);
      this.#identities.set(key, id);
      return;
    }
    this.duplicates++;
    if (this.duplicateLines.length < MAX_LINES) {
      this.duplicateLines.push(
        `${collection}: ${id} repeats ${first} (identity ${redactBody(identity, 'application/json').slice(0, 60)})`,
      );
    }
  }

  /** Records a request with an expired access token. */
  expiredToken(route: string): void {
    this.expiredTokens++;
    if (this.expiredTokenLines.length < MAX_LINES)
      this.expiredTokenLines.push(`request ${this.requests} (${route})`);
  }

  /** Records an answer (status count and transcript); a byte `body` is decoded only when kept. */
  answered(entry: Omit<TranscriptEntry, 'seq' | 'body'> & { body: string | Uint8Array }): void {
    const key = String(entry.status);
    this.statuses[key] = (this.statuses[key] ?? 0) + 1;
    if (this.transcript.length < this.transcriptLimit) {
      const body = typeof entry.body === 'string' ? entry.body : DECODER.decode(entry.body);
      this.transcript.push({
        ...entry,
        seq: this.transcript.length + 1,
        body: body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body,
      });
    }
  }
}
