import type { KeyRule } from './key.js';

/**
 * A response the middleware answers with itself, framework-free: a problem, or a replay.
 * Adapters turn it into their framework's response.
 */
export interface PlainResponse {
  /** The HTTP status. */
  status: number;
  /** Header pairs, names in lower case. */
  headers: Array<[string, string]>;
  /** The body bytes. */
  body: Uint8Array;
}

/**
 * The `code` extension member of each problem+json body the middleware writes, and the
 * status that goes with it.
 *
 * @example
 * ```ts
 * import { IDEMPOTENCY_PROBLEMS } from '@brace/idempotency';
 *
 * IDEMPOTENCY_PROBLEMS.IDEMPOTENCY_KEY_REUSED; // 422
 * ```
 */
export const IDEMPOTENCY_PROBLEMS = {
  /** The key is required and missing. */
  IDEMPOTENCY_KEY_MISSING: 400,
  /** The key is empty. */
  IDEMPOTENCY_KEY_EMPTY: 400,
  /** The key is over 255 characters. */
  IDEMPOTENCY_KEY_TOO_LONG: 400,
  /** The key is not a structured-field string or a token. */
  IDEMPOTENCY_KEY_INVALID: 400,
  /** The key was used before with another request (fingerprint). */
  IDEMPOTENCY_KEY_REUSED: 422,
  /** The first request with this key is still running. */
  IDEMPOTENCY_KEY_IN_USE: 409,
  /** The request body is over `maxRequestBytes`; nothing ran. */
  IDEMPOTENCY_REQUEST_TOO_LARGE: 413,
  /** The idempotency store failed; nothing ran. */
  IDEMPOTENCY_STORE_UNAVAILABLE: 503,
} as const;

/**
 * A code of {@link IDEMPOTENCY_PROBLEMS}.
 *
 * @example
 * ```ts
 * import type { IdempotencyProblemCode } from '@brace/idempotency';
 *
 * const code: IdempotencyProblemCode = 'IDEMPOTENCY_KEY_IN_USE';
 * ```
 */
export type IdempotencyProblemCode = keyof typeof IDEMPOTENCY_PROBLEMS;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  409: 'Conflict',
  413: 'Content Too Large',
  422: 'Unprocessable Content',
  503: 'Service Unavailable',
};

const DETAILS: Record<IdempotencyProblemCode, string> = {
  IDEMPOTENCY_KEY_MISSING:
    'This request needs an Idempotency-Key header. Send a unique key (a UUID) as a structured-field string, e.g. Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324", and reuse it when you retry.',
  IDEMPOTENCY_KEY_EMPTY: 'The Idempotency-Key header is empty. Send a unique key, e.g. a UUID.',
  IDEMPOTENCY_KEY_TOO_LONG:
    'The Idempotency-Key is over 255 characters. Send a shorter key, e.g. a UUID.',
  IDEMPOTENCY_KEY_INVALID:
    'The Idempotency-Key must be a structured-field string of printable ASCII ("...") or a token (letters, digits and !#$%&\'*+-.^_`|~:/). Send a UUID.',
  IDEMPOTENCY_KEY_REUSED:
    'This Idempotency-Key was already used with a different request (method, path or body). Use a new key for a new request.',
  IDEMPOTENCY_KEY_IN_USE:
    'A request with this Idempotency-Key is still being processed. Retry after the time in Retry-After to get its result.',
  IDEMPOTENCY_REQUEST_TOO_LARGE:
    'The request body is larger than this endpoint accepts for idempotent requests, so the request was not processed. Send a smaller body.',
  IDEMPOTENCY_STORE_UNAVAILABLE:
    'The idempotency store is unavailable, so the request was not processed. Retry later with the same Idempotency-Key.',
};

const encoder = new TextEncoder();

/**
 * The `type` URIs of the problem bodies: one URI for every code, or one per code (codes
 * left out stay `about:blank`).
 *
 * @example
 * ```ts
 * import type { IdempotencyProblemTypes } from '@brace/idempotency';
 *
 * const types: IdempotencyProblemTypes = 'https://docs.example.com/errors/idempotency';
 * ```
 */
export type IdempotencyProblemTypes = string | Partial<Record<IdempotencyProblemCode, string>>;

function problemBody(code: IdempotencyProblemCode, type: string): Uint8Array {
  const status = IDEMPOTENCY_PROBLEMS[code];
  return encoder.encode(
    JSON.stringify({ type, title: TITLES[status], status, detail: DETAILS[code], code }),
  );
}

/** The problem+json answers of one middleware, their bodies built once. */
export class Problems {
  readonly #bodies: Record<IdempotencyProblemCode, Uint8Array>;

  /** @param types - the `type` URIs; default `about:blank` */
  constructor(types?: IdempotencyProblemTypes) {
    this.#bodies = Object.fromEntries(
      (Object.keys(IDEMPOTENCY_PROBLEMS) as IdempotencyProblemCode[]).map((code) => [
        code,
        problemBody(code, (typeof types === 'string' ? types : types?.[code]) ?? 'about:blank'),
      ]),
    ) as Record<IdempotencyProblemCode, Uint8Array>;
  }

  /** The problem+json response for `code`, with extra headers (e.g. Retry-After). */
  get(code: IdempotencyProblemCode, extra?: Array<[string, string]>): PlainResponse {
    const headers: Array<[string, string]> = [['content-type', 'application/problem+json']];
    if (extra !== undefined) headers.push(...extra);
    return { status: IDEMPOTENCY_PROBLEMS[code], headers, body: this.#bodies[code] };
  }

  /** The 400 for a key that broke `rule`. */
  key(rule: KeyRule): PlainResponse {
    return this.get(RULE_CODES[rule]);
  }
}

const RULE_CODES: Record<KeyRule, IdempotencyProblemCode> = {
  empty: 'IDEMPOTENCY_KEY_EMPTY',
  'too-long': 'IDEMPOTENCY_KEY_TOO_LONG',
  syntax: 'IDEMPOTENCY_KEY_INVALID',
};
