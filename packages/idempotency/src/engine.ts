import { IdempotencyClaimLostError } from './errors.js';
import type { IdempotencyRequest } from './fingerprint.js';
import { type Beat, Heartbeat } from './heartbeat.js';
import { parseIdempotencyKey } from './key.js';
import {
  type IdempotencyErrorEvent,
  type IdempotencyOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import { type PlainResponse, Problems } from './problem.js';
import type { BeginOptions, CompleteOptions, StoredResponse, StoreKey } from './store.js';

/** A claimed key: the handler runs, then the result is completed or released. */
export interface Claim {
  /** Where the record lives. */
  where: StoreKey;
  /** The store's ownership token. */
  token: string;
  /** The heartbeat keeping the claim alive while the handler runs, if any. */
  beat?: Beat | undefined;
}

/** What to do with a request after `claim`. */
export type Begun = { kind: 'respond'; response: PlainResponse } | { kind: 'run'; claim: Claim };

const REPLAYED: [string, string] = ['idempotent-replayed', 'true'];

/** Calls `onError` and ignores whatever it throws. */
function report(
  onError: ((event: IdempotencyErrorEvent) => void) | undefined,
  phase: IdempotencyErrorEvent['phase'],
  error: unknown,
): void {
  if (onError === undefined) return;
  try {
    onError({ phase, error });
  } catch {
    // A throwing callback never breaks the request.
  }
}

/**
 * The framework-free state machine behind every adapter: key check, claim, then
 * complete or release. Adapters do the I/O (reading the body, writing the response).
 */
export class IdempotencyEngine<R> {
  /** The resolved options. */
  readonly options: ResolvedOptions<R>;
  /** Keeps the claims of running handlers alive; `undefined` with `heartbeat: false`. */
  readonly heartbeat: Heartbeat | undefined;
  /** The problem+json answers, with the `problemType` URIs. */
  readonly problems: Problems;
  /** The store options of every `begin` and `complete` (one object each, not one a request). */
  readonly #beginOptions: BeginOptions;
  readonly #completeOptions: CompleteOptions;

  constructor(options: IdempotencyOptions<R>) {
    const o = resolveOptions(options);
    this.options = o;
    this.#beginOptions = Object.freeze({ lockTtlMs: o.lockTtlMs, ttlMs: o.ttlMs });
    this.#completeOptions = Object.freeze({ ttlMs: o.ttlMs });
    this.problems = new Problems(o.problemType);
    this.heartbeat = o.heartbeat
      ? new Heartbeat(o.store, o.lockTtlMs, o.clock, (error) => report(o.onError, 'extend', error))
      : undefined;
  }

  /** Whether requests with `method` are handled (others pass through untouched). */
  covers(method: string): boolean {
    return this.options.methods.has(method);
  }

  /**
   * Checks the key header's value: the key, a 400 problem, or `undefined` when the
   * request runs without idempotency (no key, and none required).
   */
  keyFor(value: string | undefined): string | PlainResponse | undefined {
    if (value === undefined) {
      return this.options.required ? this.problems.get('IDEMPOTENCY_KEY_MISSING') : undefined;
    }
    const parsed = parseIdempotencyKey(value);
    return parsed.ok ? parsed.key : this.problems.key(parsed.rule);
  }

  /** Whether a declared `Content-Length` is over `maxRequestBytes`. */
  declaredTooLarge(length: string | null | undefined): boolean {
    return length != null && Number(length) > this.options.maxRequestBytes;
  }

  /** The 413 for a request body over `maxRequestBytes`. */
  tooLarge(): PlainResponse {
    return this.problems.get('IDEMPOTENCY_REQUEST_TOO_LARGE');
  }

  /** Fingerprints the request and claims the key: a response to send, or a claim to run. */
  async claim(key: string, request: IdempotencyRequest<R>): Promise<Begun> {
    const o = this.options;
    let result: Awaited<ReturnType<typeof o.store.begin>>;
    let where: StoreKey;
    try {
      const fingerprint = await o.fingerprint(request);
      const route = `${request.method} ${request.path}`;
      let scope = route;
      if (o.scope !== undefined) {
        const named = o.scope(request);
        // A synchronous scope (the usual) is not awaited: no extra turn of the microtask queue.
        scope = `${typeof named === 'string' ? named : await named} ${route}`;
      }
      where = { scope, key };
      result = await o.store.begin(where, fingerprint, this.#beginOptions);
    } catch (error) {
      report(o.onError, 'begin', error);
      return {
        kind: 'respond',
        response: this.problems.get('IDEMPOTENCY_STORE_UNAVAILABLE', [['retry-after', '1']]),
      };
    }
    switch (result.status) {
      case 'acquired':
        return {
          kind: 'run',
          claim: { where, token: result.token, beat: this.heartbeat?.start(where, result.token) },
        };
      case 'completed': {
        const record = result.record;
        return {
          kind: 'respond',
          response: {
            status: record.status,
            headers: [...record.headers, REPLAYED],
            body: record.body,
          },
        };
      }
      case 'in-progress': {
        const seconds = Math.min(
          o.maxRetryAfterSeconds,
          Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
        );
        return {
          kind: 'respond',
          response: this.problems.get('IDEMPOTENCY_KEY_IN_USE', [['retry-after', String(seconds)]]),
        };
      }
      default:
        return { kind: 'respond', response: this.problems.get('IDEMPOTENCY_KEY_REUSED') };
    }
  }

  /** Whether a response with this status (and content type) may be stored. */
  storable(status: number, contentType: string | undefined | null): boolean {
    let cache: boolean;
    try {
      cache = this.options.cacheStatus(status);
    } catch (error) {
      // A throwing cacheStatus must not leave the key claimed: treat it as "do not store".
      report(this.options.onError, 'complete', error);
      return false;
    }
    if (!cache) return false;
    return contentType == null || !contentType.toLowerCase().startsWith('text/event-stream');
  }

  /** Stores the handler's response; failures and lost claims go to `onError`. */
  complete(
    claim: Claim,
    status: number,
    headers: Iterable<readonly [string, string]>,
    body: Uint8Array,
  ): Promise<void> {
    const replay = this.options.replayHeaders;
    const kept: Array<[string, string]> = [];
    for (const [name, value] of headers) {
      const lower = name.toLowerCase();
      if (replay.has(lower)) kept.push([lower, value]);
    }
    return this.store(claim, { status, headers: kept, body });
  }

  /**
   * Stores a record whose headers are already the replayed ones, lower-case (what
   * {@link complete} keeps); failures and lost claims go to `onError`. Never rejects.
   */
  store(claim: Claim, record: StoredResponse): Promise<void> {
    this.heartbeat?.stop(claim.beat);
    let stored: Promise<boolean>;
    try {
      // `Promise.resolve` returns a native promise as it is; it also takes a store's thenable.
      stored = Promise.resolve(
        this.options.store.complete(claim.where, claim.token, record, this.#completeOptions),
      );
    } catch (error) {
      this.#completeFailed(error);
      return Promise.resolve();
    }
    // Shared handlers: a request allocates no closures for them.
    return stored.then(this.#completed, this.#completeFailed);
  }

  readonly #completed = (owned: boolean): void => {
    if (!owned) report(this.options.onError, 'complete', new IdempotencyClaimLostError());
  };

  readonly #completeFailed = (error: unknown): void => {
    report(this.options.onError, 'complete', error);
  };

  /** Gives the key up so that a retry runs again; failures go to `onError`. */
  async release(claim: Claim): Promise<void> {
    this.heartbeat?.stop(claim.beat);
    try {
      await this.options.store.release(claim.where, claim.token);
    } catch (error) {
      report(this.options.onError, 'release', error);
    }
  }
}

/** Splits a request URL into path and query (with `?`), without a URL object. */
export function splitUrl(url: string): { path: string; search: string } {
  let start = 0;
  const scheme = url.indexOf('://');
  if (scheme !== -1) {
    start = url.indexOf('/', scheme + 3);
    if (start === -1) return { path: '/', search: '' };
  }
  let end = url.indexOf('#', start);
  if (end === -1) end = url.length;
  const query = url.indexOf('?', start);
  if (query === -1 || query > end) return { path: url.slice(start, end), search: '' };
  return { path: url.slice(start, query), search: url.slice(query, end) };
}
