import type { AcquireManyResult, AcquireResult } from './store.js';

type Refusal = Extract<AcquireResult, { ok: false }>;

/** Whether `value` is a refusal the limiter can wait on: `retryInMs` finite and > 0. */
function isRefusal(value: unknown): value is Refusal {
  if (typeof value !== 'object' || value === null) return false;
  const refusal = value as Refusal;
  return (
    refusal.ok === false &&
    typeof refusal.retryInMs === 'number' &&
    refusal.retryInMs > 0 &&
    refusal.retryInMs !== Number.POSITIVE_INFINITY
  );
}

/**
 * @internal How many of `n` requests a remote store's answer granted, or -1 when the answer
 * breaks the `RateLimitStore` contract: `granted` an integer from 0 to `n`, with a
 * refusal when it is below `n` (or, for one request, `{ ok: true }` or a refusal).
 */
export function grantedBy(answer: unknown, n: number): number {
  if (typeof answer !== 'object' || answer === null) return -1;
  if ('granted' in answer) {
    const { granted, refused } = answer as AcquireManyResult;
    if (!Number.isInteger(granted) || granted < 0 || granted > n) return -1;
    if (refused === undefined || refused === null) return granted === n ? granted : -1;
    return isRefusal(refused) ? granted : -1;
  }
  if (n !== 1) return -1;
  if ((answer as AcquireResult).ok === true) return 1;
  return isRefusal(answer) ? 0 : -1;
}

/** @internal The refusal in an answer {@link grantedBy} accepted, if any. */
export function refusalIn(answer: AcquireManyResult | AcquireResult): Refusal | undefined {
  if ('granted' in answer) return answer.refused ?? undefined;
  return answer.ok ? undefined : answer;
}

/** @internal The grants in an answer {@link grantedBy} accepted, in order, if it carries any. */
export function grantsIn(
  answer: AcquireManyResult | AcquireResult,
): readonly unknown[] | undefined {
  if ('granted' in answer) return Array.isArray(answer.grants) ? answer.grants : undefined;
  return answer.ok && answer.grant !== undefined ? [answer.grant] : undefined;
}
