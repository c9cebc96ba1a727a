import { parseRateLimit } from '@brace/core';

/**
 * Learns the provider's quota per second from its `RateLimit-Policy` header (one GET before
 * the campaign; its 401 carries the headers too), so the Brace limiter starts at the advertised rate; `fallback` when the
 * provider says nothing usable.
 */
export async function discoverRate(baseUrl: string, fallback: number): Promise<number> {
  try {
    const response = await fetch(new URL('status', baseUrl));
    await response.arrayBuffer();
    const policy = parseRateLimit(response.headers)?.policies?.[0];
    if (policy && policy.quota >= 1 && (policy.windowSec ?? 1) > 0) {
      return Math.max(1, Math.floor(policy.quota / (policy.windowSec ?? 1)));
    }
  } catch {
    // Fall back to what the operator told us.
  }
  return fallback;
}
