import type { AcquireManyResult, AcquireResult } from '@brace/rate-limit';

/**
 * A grant of the acquire script: the call's token, the units logged before the request's own
 * in that call, and its units (a grant of the local fallback is the time it was charged at).
 */
export type Grant = readonly [token: string, from: number, units: number];

/** This process's part of every call's token: tokens are unique across processes and calls. */
const PROCESS_TOKEN = globalThis.crypto.randomUUID().slice(0, 13);
let calls = 0;

/** A token no other call (of this process or another) has. */
export function nextToken(): string {
  calls = (calls + 1) % Number.MAX_SAFE_INTEGER;
  return PROCESS_TOKEN + calls.toString(36);
}

type Refusal = Extract<AcquireResult, { ok: false }>;

/** Reads the refusal part of the acquire script's reply `{ admitted, retryInMs, policyIndex, pauseReason }`. */
function toRefusal(r: [number, number, number, string]): Refusal {
  const policyIndex = Number(r[2]);
  const result: Refusal = { ok: false, retryInMs: Number(r[1]), policyIndex };
  if (policyIndex < 0)
    result.pause = r[3] === 'server-remaining' ? 'server-remaining' : 'retry-after';
  return result;
}

/**
 * Reads the acquire script's reply for one request: `1`, or a refusal. ioredis with
 * `stringNumbers` (and some proxies) hand integer replies over as strings: `'1'`.
 */
export function toResult(reply: unknown, token: string, cost: number): AcquireResult {
  if (reply === 1 || reply === '1') {
    const grant: Grant = [token, 0, Math.ceil(cost)];
    return { ok: true, grant };
  }
  return toRefusal(reply as [number, number, number, string]);
}

/** Each of the first `granted` requests' grants (their units follow each other in the call). */
function grantsOf(token: string, costs: readonly number[], granted: number): Grant[] {
  const grants: Grant[] = [];
  let from = 0;
  for (let i = 0; i < granted; i++) {
    const units = Math.ceil(costs[i] as number);
    grants.push([token, from, units]);
    from += units;
  }
  return grants;
}

/** Reads the acquire script's reply for a batch: the count admitted, or a refusal after some. */
export function toManyResult(
  reply: unknown,
  token: string,
  costs: readonly number[],
): AcquireManyResult {
  let granted: number;
  let refused: Refusal | undefined;
  if (typeof reply === 'number') granted = reply;
  // An integer reply as a string (ioredis `stringNumbers`).
  else if (typeof reply === 'string' && /^\d+$/.test(reply)) granted = Number(reply);
  else {
    const r = reply as [number, number, number, string];
    refused = toRefusal(r);
    granted = Number(r[0]);
  }
  return { granted, refused, grants: grantsOf(token, costs, granted) };
}
