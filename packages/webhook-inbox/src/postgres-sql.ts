// The PostgreSQL store's statements ($n parameters); times are BIGINT milliseconds.

/** The statements of the PostgreSQL store for `table`. */
export function postgresSql(table: string) {
  const t = `"${table}"`;
  const w = `"${table}_watermarks"`;
  return {
    // One simple-protocol string: the advisory lock serialises concurrent migrations.
    schema: `BEGIN;
SELECT pg_advisory_xact_lock(hashtext('brace_inbox_migrate:${table}'));
CREATE TABLE IF NOT EXISTS ${t} (
  id TEXT PRIMARY KEY, seq BIGSERIAL NOT NULL, provider TEXT NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL,
  resource_key TEXT, occurred_at BIGINT, order_at BIGINT NOT NULL, received_at BIGINT NOT NULL,
  payload TEXT NOT NULL, source TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL, lease TEXT, lease_until BIGINT, errors JSONB NOT NULL DEFAULT '[]',
  updated_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS "${table}_due" ON ${t} (status, next_attempt_at);
-- Claims walk open events in order and stop at LIMIT, instead of sorting every due row.
CREATE INDEX IF NOT EXISTS "${table}_claim" ON ${t} (order_at, seq) WHERE status IN ('pending', 'processing');
CREATE INDEX IF NOT EXISTS "${table}_resource" ON ${t} (provider, resource_key, status) WHERE resource_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS "${table}_received" ON ${t} (status, received_at);
CREATE TABLE IF NOT EXISTS ${w} (provider TEXT NOT NULL, resource_key TEXT NOT NULL, order_at BIGINT NOT NULL, PRIMARY KEY (provider, resource_key));
COMMIT;`,
    insert: `INSERT INTO ${t} (id, provider, event_id, type, resource_key, occurred_at, order_at, received_at,
  payload, source, status, next_attempt_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $8, $8) ON CONFLICT (id) DO NOTHING RETURNING id`,
    // Group commit: many events in one statement (arrays of equal length, one per column).
    insertMany: `INSERT INTO ${t} (id, provider, event_id, type, resource_key, occurred_at, order_at, received_at,
  payload, source, status, next_attempt_at, updated_at)
  SELECT i, p, e, ty, r, o, oa, ra, pl, s, 'pending', ra, ra FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
    $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::text[], $10::text[]) AS x(i, p, e, ty, r, o, oa, ra, pl, s)
  ON CONFLICT (id) DO NOTHING RETURNING id`,
    // Gives back what a claim took when its answer came too late to use (the claim timed out).
    release: `UPDATE ${t} SET status = 'pending', lease = NULL, lease_until = NULL, attempts = GREATEST(attempts - 1, 0),
  next_attempt_at = $2, updated_at = $2 WHERE lease = $1 AND status = 'processing' RETURNING id`,
    claim: `WITH c AS (
  SELECT c.id FROM ${t} c
  WHERE ((c.status = 'pending' AND c.next_attempt_at <= $1) OR (c.status = 'processing' AND c.lease_until <= $1))
    AND (NOT $2::boolean OR c.resource_key IS NULL OR NOT EXISTS (
      SELECT 1 FROM ${t} o WHERE o.provider = c.provider AND o.resource_key = c.resource_key AND o.id <> c.id AND (
        (o.status IN ('pending', 'processing') AND (o.order_at, o.seq) < (c.order_at, c.seq))
        OR (o.status = 'processing' AND o.lease_until > $1))))
  ORDER BY c.order_at, c.seq LIMIT $3 FOR UPDATE SKIP LOCKED)
UPDATE ${t} SET status = 'processing', lease = $4, lease_until = $5, attempts = ${t}.attempts + 1, updated_at = $1
FROM c WHERE ${t}.id = c.id
RETURNING ${t}.*, (SELECT m.order_at FROM ${w} m WHERE m.provider = ${t}.provider AND m.resource_key = ${t}.resource_key) AS watermark`,
    extend: `UPDATE ${t} SET lease_until = $1 WHERE id = $2 AND lease = $3 AND status = 'processing' RETURNING id`,
    fail: `UPDATE ${t} SET status = $1, next_attempt_at = $2,
  errors = CASE WHEN jsonb_array_length(errors) >= 20 THEN (errors - 0) || jsonb_build_array($3::jsonb)
    ELSE errors || jsonb_build_array($3::jsonb) END,
  lease = NULL, lease_until = NULL, updated_at = $4 WHERE id = $5 AND lease = $6 AND status = 'processing' RETURNING id`,
    stale: `UPDATE ${t} SET status = 'stale', lease = NULL, lease_until = NULL, updated_at = $1
  WHERE id = $2 AND lease = $3 AND status = 'processing' RETURNING id`,
    done: `WITH d AS (
  UPDATE ${t} SET status = 'done', lease = NULL, lease_until = NULL, updated_at = $1
  WHERE id = $2 AND lease = $3 AND status = 'processing' RETURNING provider, resource_key, order_at),
m AS (INSERT INTO ${w} (provider, resource_key, order_at) SELECT provider, resource_key, order_at FROM d WHERE resource_key IS NOT NULL
  ON CONFLICT (provider, resource_key) DO UPDATE SET order_at = GREATEST(${w}.order_at, EXCLUDED.order_at))
SELECT count(*)::int AS n FROM d`,
    hold: `SELECT 1 FROM ${t} WHERE id = $1 AND lease = $2 AND status = 'processing' FOR UPDATE`,
    get: `SELECT * FROM ${t} WHERE id = $1`,
    list: `SELECT * FROM ${t} WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR provider = $2)
  AND ($3::text IS NULL OR type = $3) AND ($4::bigint IS NULL OR received_at >= $4)
  AND ($5::bigint IS NULL OR received_at < $5) ORDER BY received_at, seq LIMIT $6`,
    requeue: `UPDATE ${t} SET status = 'pending', attempts = 0, next_attempt_at = $1, updated_at = $1
  WHERE id = ANY($2::text[]) AND status IN ('dead', 'stale', 'discarded') RETURNING id`,
    discard: `UPDATE ${t} SET status = 'discarded', updated_at = $1
  WHERE id = ANY($2::text[]) AND status IN ('dead', 'stale') RETURNING id`,
  };
}
