/**
 * What a receiver answers the provider: status, headers and a small body. `2xx` only once the
 * event is committed to the store.
 *
 * @example
 * ```ts
 * import type { InboxAnswer } from '@brace/webhook-inbox';
 *
 * const toResponse = (answer: InboxAnswer) => new Response(answer.body, { status: answer.status, headers: answer.headers });
 * ```
 */
export interface InboxAnswer {
  /** 200 stored (or already stored), 400/401/413 refused by verification, 503 not stored. */
  status: number;
  /** The response headers. */
  headers: Record<string, string>;
  /** JSON: `{ received, duplicate }`, or an RFC 9457 problem. */
  body: string;
}

/** Seconds a provider is asked to wait after a 503. */
export const STORE_FAILURE_RETRY_AFTER_SEC = 5;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  413: 'Content Too Large',
  503: 'Service Unavailable',
};

/** An RFC 9457 problem answer. */
export function problemAnswer(
  status: number,
  code: string,
  detail: string,
  headers: Record<string, string> = {},
): InboxAnswer {
  return {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify({
      type: 'about:blank',
      title: TITLES[status],
      status,
      detail,
      code,
    }),
  };
}

/** The 200 answer for a stored event. */
export function storedAnswer(duplicate: boolean): InboxAnswer {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: duplicate ? '{"received":true,"duplicate":true}' : '{"received":true}',
  };
}

/** The 503 answer when the event could not be stored. */
export function unavailableAnswer(): InboxAnswer {
  return problemAnswer(
    503,
    'INBOX_STORE_UNAVAILABLE',
    'The event could not be stored, so it was not accepted; deliver it again later.',
    { 'retry-after': String(STORE_FAILURE_RETRY_AFTER_SEC) },
  );
}
