// One request as the cache sees it: its key, its headers for the policy and for Vary (with
// credentials masked), and whether the caller sent validators of its own.
import type { Call } from './context.js';
import type { RequestKey } from './key.js';

const CONDITIONAL_HEADERS = [
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
];

/**
 * One request as the cache sees it. A class, not an object literal with a getter: V8 builds such
 * a literal property by property at run time, on every request.
 */
export class RequestCall implements Call {
  readonly key: string;
  readonly url: string;
  readonly partitioned: boolean;
  readonly policyRequest: Call['policyRequest'];
  readonly plain: boolean;
  #varyView: Headers | undefined;

  constructor(
    readonly method: string,
    rk: RequestKey,
    headers: Record<string, string>,
    readonly signal: AbortSignal | undefined,
    private readonly requestHeaders: Headers,
    /** The credential headers to mask in the Vary view, for a partitioned request. */
    private readonly masked: ReadonlySet<string> | undefined,
  ) {
    this.key = rk.key;
    this.url = rk.safeUrl;
    this.partitioned = rk.partitioned;
    this.policyRequest = { url: rk.key, method, headers };
    this.plain = headers['cache-control'] === undefined && headers.pragma === undefined;
    // The Vary view of a partitioned request is built on first use: a miss whose answer says
    // nothing about caching (the common case of an API call) never needs it.
    this.#varyView = masked === undefined ? requestHeaders : undefined;
  }

  get headers(): Headers {
    // Vary may name a credential header: its value must never reach the store. Within a
    // partition the credential is fixed by the key, so presence is all Vary needs to see.
    if (this.#varyView === undefined) {
      const view = new Headers(this.requestHeaders);
      // Only a partitioned call has no view yet, and it always names its masked headers.
      for (const name of this.masked as ReadonlySet<string>) {
        if (view.has(name)) view.set(name, 'present');
      }
      this.#varyView = view;
    }
    return this.#varyView;
  }

  /** The same call without the caller's signal (a background refresh outlives the caller). */
  detached(): Call {
    const copy = new RequestCall(
      this.method,
      { key: this.key, safeUrl: this.url, partitioned: this.partitioned },
      this.policyRequest.headers,
      undefined,
      this.requestHeaders,
      this.masked,
    );
    copy.#varyView = this.#varyView;
    return copy;
  }
}

/** `call` without its signal (every call is built by `callFrom`). */
export function detachedCall(call: Call): Call {
  return (call as RequestCall).detached();
}

/** A conditional or range request: the caller's own validators, never answered from cache. */
export function isConditional(call: Call): boolean {
  const headers = call.policyRequest.headers;
  for (const name of CONDITIONAL_HEADERS) if (headers[name] !== undefined) return true;
  return false;
}
