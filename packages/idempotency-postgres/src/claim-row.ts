// What `begin` makes of the row its claim statement returns when the claim failed.
import type { BeginResult } from '@brace/idempotency';

/** The row of the claim statement: `acquired`, or the record that is there. */
export interface ClaimRow {
  acquired: boolean;
  fingerprint: string | null;
  status: string | null;
  locked_until_ms: number | string | null;
  expires_at_ms: number | string | null;
  response_status: number | null;
  response_headers: unknown;
  response_body: Uint8Array | null;
}

const MISMATCH: BeginResult = Object.freeze({ status: 'mismatch' });

/** Bytes as a plain Uint8Array of their own (pg returns Buffers, some from a shared pool). */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes);
}

/** The outcome for a record this call could not claim, or undefined if it is claimable. */
export function classify(row: ClaimRow, fingerprint: string, now: number): BeginResult | undefined {
  if (Number(row.expires_at_ms) <= now) return undefined;
  const lockedUntil = Number(row.locked_until_ms);
  if (row.status === 'in-progress' && lockedUntil <= now) return undefined;
  if (row.fingerprint !== fingerprint) return MISMATCH;
  if (row.status === 'in-progress') {
    return { status: 'in-progress', retryAfterMs: Math.ceil(lockedUntil - now) };
  }
  const headers = row.response_headers;
  return {
    status: 'completed',
    record: {
      status: Number(row.response_status),
      // pg and PGlite parse jsonb; a wrapper may hand back the text.
      headers: (typeof headers === 'string' ? JSON.parse(headers) : headers) as Array<
        [string, string]
      >,
      body: ownBytes(row.response_body as Uint8Array),
    },
  };
}
