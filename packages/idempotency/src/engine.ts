import { IdempotencyClaimLostError } from './errors.js';
import { defaultFingerprint, fingerprintNow, type IdempotencyRequest } from './fingerprint.js';
import { type Beat, Heartbeat } from './heartbeat.js';
import { parseIdempotencyKey } from './key.js';
import {
  type IdempotencyErrorEvent,
  type IdempotencyOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import { type PlainResponse, Problems } from './problem.js';
import type {
  BeginOptions,
  BeginResult,
  CompleteOptions,
  StoredResponse,
  StoreKey,
} from './store.js';

/** A claimed key: the handler runs, then the result is completed or released. */
export class Claim {
  /** Where the record lives. */
  readonly where: StoreKey;
  /** The store's ownership token. */
  readonly token: string;
  /** The heartbeat keeping the claim alive while the handler runs, if any. */
  readonly beat: Beat | undefined;

  constructor(where: StoreKey, token: string, beat: Beat | undefined) {
    this.where = where;
    this.token = token;
    this.beat = beat;
  }
}

/**
 * What to do with a request after `claim`: run the handler under the {@link Claim}, or send
 * the plain response (a replay or a problem). One object, not a wrapper around either.
 */
export type Begun = Claim | PlainResponse;

/**
 * A reader of a Web `Headers` for {@link IdempotencyRequest.header}. Made by a function, so
 * that it stays an anonymous closure (a named one costs a `name` property set per request in
 * builds that keep function names).
 */
export function webHeaderReader(headers: Headers): (name: string) => string | undefined {
  return (name) => headers.get(name) ?? undefined;
}

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
  /**
   * The last scope built, and what it was built from: a route's requests under one named
   * scope (the usual traffic) share one string instead of two new ones a request, and a
   * store that hashes it (the memory store's map) hashes that string once.
   */
  #lastNamed: string | undefined = undefined;
  #lastMethod = '';
  #lastPath = '';
  #lastScope = '';
  /** The fingerprint: for the default, its synchronous form where the platform has one. */
  readonly #fingerprint: (request: IdempotencyRequest<R>) => string | Promise<string>;

  constructor(options: IdempotencyOptions<R>) {
    const o = resolveOptions(options);
    this.options = o;
    this.#beginOptions = Object.freeze({ lockTtlMs: o.lockTtlMs, ttlMs: o.ttlMs });
    this.#completeOptions = Object.freeze({ ttlMs: o.ttlMs });
    this.problems = new Problems(o.problemType);
    this.#fingerprint = o.fingerprint === defaultFingerprint ? fingerprintNow : o.fingerprint;
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

  /** `<named> <method> <path>` (or `<method> <path>` without a named scope), reused when unchanged. */
  #scopeOf(named: string | undefined, method: string, path: string): string {
    if (named === this.#lastNamed && method === this.#lastMethod && path === this.#lastPath) {
      return this.#lastScope;
    }
    const scope = named === undefined ? `${method} ${path}` : `${named} ${method} ${path}`;
    this.#lastNamed = named;
    this.#lastMethod = method;
    this.#lastPath = path;
    this.#lastScope = scope;
    return scope;
  }

  /**
   * Fingerprints the request and claims the key: a response to send, or a claim to run.
   * With a synchronous fingerprint and scope (the default fingerprint on Node, Deno and Bun),
   * the only wait is the store's `begin`. Never rejects for a store, fingerprint or scope
   * failure: those answer 503 (and go to `onError`).
   */
  claim(key: string, request: IdempotencyRequest<R>): Promise<Begun> {
    const o = this.options;
    let where: StoreKey;
    let begun: Promise<BeginResult>;
    try {
      const fingerprint = this.#fingerprint(request);
      if (typeof fingerprint !== 'string') return this.#claimLater(key, request, fingerprint);
      let named: string | undefined;
      if (o.scope !== undefined) {
        const scope = o.scope(request);
        if (typeof scope !== 'string') return this.#claimLater(key, request, fingerprint, scope);
        named = scope;
      }
      where = { scope: this.#scopeOf(named, request.method, request.path), key };
      // `Promise.resolve` returns a native promise as it is; it also takes a store's thenable.
      begun = Promise.resolve(o.store.begin(where, fingerprint, this.#beginOptions));
    } catch (error) {
      return Promise.resolve(this.#unavailable(error));
    }
    return begun.then((result) => this.#begun(where, result), this.#unavailable);
  }

  /** {@link claim} with a fingerprint or a scope that has to be awaited. */
  async #claimLater(
    key: string,
    request: IdempotencyRequest<R>,
    pending: string | Promise<string>,
    pendingScope?: Promise<string>,
  ): Promise<Begun> {
    const o = this.options;
    let result: BeginResult;
    let where: StoreKey;
    try {
      const fingerprint = await pending;
      let named: string | undefined;
      if (pendingScope !== undefined) named = await pendingScope;
      else if (o.scope !== undefined) {
        const scope = o.scope(request);
        named = typeof scope === 'string' ? scope : await scope;
      }
      where = { scope: this.#scopeOf(named, request.method, request.path), key };
      result = await o.store.begin(where, fingerprint, this.#beginOptions);
    } catch (error) {
      return this.#unavailable(error);
    }
    return this.#begun(where, result);
  }

  /** A failed fingerprint, scope or `begin`: reported, and answered 503. */
  readonly #unavailable = (error: unknown): PlainResponse => {
    report(this.options.onError, 'begin', error);
    return this.problems.get('IDEMPOTENCY_STORE_UNAVAILABLE', [['retry-after', '1']]);
  };

  /** What `begin`'s result means for the request. */
  #begun(where: StoreKey, result: BeginResult): Begun {
    switch (result.status) {
      case 'acquired':
        return new Claim(where, result.token, this.heartbeat?.start(where, result.token));
      case 'completed': {
        const record = result.record;
        return {
          status: record.status,
          headers: [...record.headers, REPLAYED],
          body: record.body,
        };
      }
      case 'in-progress': {
        const seconds = Math.min(
          this.options.maxRetryAfterSeconds,
          Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
        );
        return this.problems.get('IDEMPOTENCY_KEY_IN_USE', [['retry-after', String(seconds)]]);
      }
      default:
        return this.problems.get('IDEMPOTENCY_KEY_REUSED');
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

  /**
   * Stores a record whose headers are already the replayed ones, lower-case (those of
   * `replayHeaders`); failures and lost claims go to `onError`. Never rejects.
   */
  store(claim: Claim, record: StoredResponse): Promise<void> {
    let stored: Promise<boolean>;
    try {
      // `Promise.resolve` returns a native promise as it is; it also takes a store's thenable.
      stored = Promise.resolve(this.commit(claim, record));
    } catch (error) {
      this.completeFailed(error);
      return Promise.resolve();
    }
    // Shared handlers: a request allocates no closures for them.
    return stored.then(this.completed, this.completeFailed);
  }

  /**
   * Stops the claim's heartbeat and hands the record to the store: the store's own result
   * (whether the claim was still owned), which may throw or reject. An adapter that awaits it
   * passes the result to {@link completed} and a failure to {@link completeFailed}; that is
   * {@link store} without its extra promise.
   */
  commit(claim: Claim, record: StoredResponse): Promise<boolean> {
    this.heartbeat?.stop(claim.beat);
    return this.options.store.complete(claim.where, claim.token, record, this.#completeOptions);
  }

  /** After {@link commit}: a claim no longer owned goes to `onError`. */
  readonly completed = (owned: boolean): void => {
    if (!owned) report(this.options.onError, 'complete', new IdempotencyClaimLostError());
  };

  /** After {@link commit}: a store failure goes to `onError`. */
  readonly completeFailed = (error: unknown): void => {
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
