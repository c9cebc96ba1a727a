/**
 * Why the origin did not answer usefully: an HTTP status (`'503'`), `'timeout'`, `'network'`,
 * a refusal before the call (`'breaker-open'`, `'rate-limited'`, `'retry-budget'`) or `'error'`
 * for any other thrown error. The reason string of a stale answer is built from it.
 *
 * @example
 * ```ts
 * import type { FailureKind } from '@brace/cache';
 *
 * const label = (kind: FailureKind) => (kind === 'breaker-open' ? 'circuit open' : kind);
 * ```
 */
export type FailureKind = string;

/** Refusals recognised by their `code` (Brace's breaker, budget and limiter, and look-alikes). */
const REFUSALS: Record<string, string> = {
  CIRCUIT_OPEN: 'breaker-open',
  BREAKER_OPEN: 'breaker-open',
  RETRY_BUDGET_EXHAUSTED: 'retry-budget',
  RATE_LIMIT_QUEUE_FULL: 'rate-limited',
  RATE_LIMIT_WAIT_TIMEOUT: 'rate-limited',
  RATE_LIMIT_COST_TOO_HIGH: 'rate-limited',
};

/** Node/undici and axios codes of connection failures. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_NETWORK',
]);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_CANCELED_TIMEOUT',
]);

/** The outcome of classifying a thrown error. */
export type Classified =
  | { kind: 'refusal'; reason: string }
  | { kind: 'failure'; reason: string }
  | { kind: 'abort' };

type Bag = {
  code?: unknown;
  name?: unknown;
  cause?: unknown;
  response?: unknown;
  status?: unknown;
};

/**
 * Classifies an error thrown by the origin call. The caller's own abort is `abort` (never
 * answered from cache), except a deadline (`AbortSignal.timeout`), which is a `timeout`; a breaker or limiter refusal is `refusal`; everything else is a
 * `failure` with a reason: a status (ky's `HTTPError`, axios' error with a response), `timeout`
 * or `network`. Wrappers (`RetryExhaustedError`, `TypeError: fetch failed`) are looked through
 * by `cause`, at most 8 levels deep.
 */
export function classifyError(error: unknown, callerSignal?: AbortSignal): Classified {
  if (callerSignal?.aborted) {
    // A deadline the caller set (AbortSignal.timeout) is a timeout; any other abort is theirs.
    const reason = callerSignal.reason as { name?: unknown } | undefined;
    return reason?.name === 'TimeoutError'
      ? { kind: 'failure', reason: 'timeout' }
      : { kind: 'abort' };
  }
  let current: unknown = error;
  let sawNetwork = false;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    const e = current as Bag;
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code !== undefined) {
      const refusal = REFUSALS[code];
      if (refusal !== undefined) return { kind: 'refusal', reason: refusal };
      if (TIMEOUT_CODES.has(code)) return { kind: 'failure', reason: 'timeout' };
      if (NETWORK_CODES.has(code)) sawNetwork = true;
    }
    if (e.name === 'TimeoutError') return { kind: 'failure', reason: 'timeout' };
    if (e.name === 'AbortError') return { kind: 'abort' };
    const response = e.response as { status?: unknown } | undefined;
    const status = typeof response?.status === 'number' ? response.status : undefined;
    if (status !== undefined) return { kind: 'failure', reason: String(status) };
    if (e.name === 'TypeError') sawNetwork = true;
    current = e.cause;
  }
  return { kind: 'failure', reason: sawNetwork ? 'network' : 'error' };
}

/** Statuses answered from cache when a stale entry allows it: 5xx (RFC 5861) and 429. */
export function isFailureStatus(status: number): boolean {
  return status >= 500 || status === 429;
}
