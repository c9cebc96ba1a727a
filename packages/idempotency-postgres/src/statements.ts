// The store's SQL: one statement per operation, each standing alone (no transaction held).
import { type Statement, statement } from './client.js';
import type { TableNames } from './schema.js';

/** The store's statements on one table. */
export interface Statements {
  claim: Statement;
  complete: Statement;
  release: Statement;
  extend: Statement;
  sweep: Statement;
}

/** `$n` (epoch milliseconds) as a timestamptz. */
const at = (n: number): string => `to_timestamp($${n}::float8 / 1000)`;
/** A timestamptz column as epoch milliseconds. */
const ms = (column: string): string => `extract(epoch FROM ${column})::float8 * 1000`;

/** The statements of the store on `table`. */
export function statementsFor({ table: t }: TableNames): Statements {
  return {
    // One statement, one round trip: the upsert claims a new, expired or lock-expired record
    // and returns one 'acquired' row; otherwise the SELECT returns the record that is there
    // (its body only when it is a replay for this fingerprint).
    claim: statement(
      'claim',
      `WITH claimed AS (
  INSERT INTO ${t} AS t (scope, key, fingerprint, status, owner_token, locked_until, expires_at, created_at)
  VALUES ($1, $2, $3, 'in-progress', $4, ${at(5)}, ${at(6)}, ${at(7)})
  ON CONFLICT (scope, key) DO UPDATE SET
    fingerprint = EXCLUDED.fingerprint, status = 'in-progress', owner_token = EXCLUDED.owner_token,
    locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at,
    created_at = CASE WHEN t.expires_at <= EXCLUDED.created_at THEN EXCLUDED.created_at ELSE t.created_at END,
    response_status = NULL, response_headers = NULL, response_body = NULL
  WHERE t.expires_at <= EXCLUDED.created_at
    OR (t.status = 'in-progress' AND t.locked_until <= EXCLUDED.created_at)
  RETURNING 1
)
SELECT true AS acquired, NULL::text AS fingerprint, NULL::text AS status,
  NULL::float8 AS locked_until_ms, NULL::float8 AS expires_at_ms, NULL::integer AS response_status,
  NULL::jsonb AS response_headers, NULL::bytea AS response_body
FROM claimed
UNION ALL
SELECT false, fingerprint, status, ${ms('locked_until')}, ${ms('expires_at')}, response_status,
  response_headers, CASE WHEN status = 'completed' AND fingerprint = $3 THEN response_body END
FROM ${t} WHERE scope = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM claimed)`,
    ),
    complete: statement(
      'complete',
      `UPDATE ${t} SET status = 'completed', owner_token = NULL, locked_until = ${at(1)},
  response_status = $2, response_headers = $3::jsonb, response_body = $4, expires_at = ${at(5)}
WHERE scope = $6 AND key = $7 AND status = 'in-progress' AND owner_token = $8 AND expires_at > ${at(1)}
RETURNING 1`,
    ),
    release: statement(
      'release',
      `DELETE FROM ${t}
WHERE scope = $1 AND key = $2 AND status = 'in-progress' AND owner_token = $3 AND expires_at > ${at(4)}
RETURNING 1`,
    ),
    extend: statement(
      'extend',
      `UPDATE ${t} SET locked_until = ${at(1)}, expires_at = GREATEST(expires_at, ${at(1)})
WHERE scope = $2 AND key = $3 AND status = 'in-progress' AND owner_token = $4 AND expires_at > ${at(5)}
RETURNING 1`,
    ),
    sweep: statement(
      'sweep',
      `WITH swept AS (DELETE FROM ${t} WHERE expires_at <= ${at(1)} RETURNING 1)
SELECT count(*)::integer AS swept FROM swept`,
    ),
  };
}
