// The SQLite store's statements (positional `?` parameters).

const ERRORS_APPEND = `CASE WHEN json_array_length(errors) >= 20
  THEN json_insert(json_remove(errors, '$[0]'), '$[#]', json(?))
  ELSE json_insert(errors, '$[#]', json(?)) END`;

/** The statements of the SQLite store for `table`. */
export function sqliteSql(table: string) {
  const t = `"${table}"`;
  const w = `"${table}_watermarks"`;
  return {
    schema: `
CREATE TABLE IF NOT EXISTS ${t} (
  id TEXT PRIMARY KEY, provider TEXT NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL,
  resource_key TEXT, occurred_at INTEGER, order_at INTEGER NOT NULL, received_at INTEGER NOT NULL,
  payload TEXT NOT NULL, source TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL, lease TEXT, lease_until INTEGER, errors TEXT NOT NULL DEFAULT '[]',
  updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS "${table}_due" ON ${t} (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS "${table}_resource" ON ${t} (provider, resource_key, status) WHERE resource_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS "${table}_received" ON ${t} (status, received_at);
CREATE TABLE IF NOT EXISTS ${w} (provider TEXT NOT NULL, resource_key TEXT NOT NULL, order_at INTEGER NOT NULL, PRIMARY KEY (provider, resource_key));`,
    insert: `INSERT INTO ${t} (id, provider, event_id, type, resource_key, occurred_at, order_at, received_at,
  payload, source, status, next_attempt_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING`,
    claim: `UPDATE ${t} SET status = 'processing', lease = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
WHERE rowid IN (
  SELECT c.rowid FROM ${t} c
  WHERE ((c.status = 'pending' AND c.next_attempt_at <= ?) OR (c.status = 'processing' AND c.lease_until <= ?))
    AND (? = 0 OR c.resource_key IS NULL OR NOT EXISTS (
      SELECT 1 FROM ${t} o WHERE o.provider = c.provider AND o.resource_key = c.resource_key AND o.rowid <> c.rowid AND (
        (o.status IN ('pending', 'processing') AND (o.order_at < c.order_at OR (o.order_at = c.order_at AND o.rowid < c.rowid)))
        OR (o.status = 'processing' AND o.lease_until > ?))))
  ORDER BY c.order_at, c.rowid LIMIT ?)
RETURNING *, rowid AS seq, (SELECT m.order_at FROM ${w} m WHERE m.provider = ${t}.provider AND m.resource_key = ${t}.resource_key) AS watermark`,
    extend: `UPDATE ${t} SET lease_until = ? WHERE id = ? AND lease = ? AND status = 'processing'`,
    fail: `UPDATE ${t} SET status = ?, next_attempt_at = ?, errors = ${ERRORS_APPEND},
  lease = NULL, lease_until = NULL, updated_at = ? WHERE id = ? AND lease = ? AND status = 'processing'`,
    stale: `UPDATE ${t} SET status = 'stale', lease = NULL, lease_until = NULL, updated_at = ?
  WHERE id = ? AND lease = ? AND status = 'processing'`,
    done: `UPDATE ${t} SET status = 'done', lease = NULL, lease_until = NULL, updated_at = ?
  WHERE id = ? AND lease = ? AND status = 'processing' RETURNING provider, resource_key, order_at`,
    watermark: `INSERT INTO ${w} (provider, resource_key, order_at) VALUES (?, ?, ?)
  ON CONFLICT (provider, resource_key) DO UPDATE SET order_at = max(order_at, excluded.order_at)`,
    get: `SELECT * FROM ${t} WHERE id = ?`,
    list: `SELECT * FROM ${t} WHERE (? IS NULL OR status = ?) AND (? IS NULL OR provider = ?) AND (? IS NULL OR type = ?)
  AND (? IS NULL OR received_at >= ?) AND (? IS NULL OR received_at < ?) ORDER BY received_at, rowid LIMIT ?`,
    requeue: `UPDATE ${t} SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?
  WHERE id = ? AND status IN ('dead', 'stale', 'discarded')`,
    discard: `UPDATE ${t} SET status = 'discarded', updated_at = ? WHERE id = ? AND status IN ('dead', 'stale')`,
  };
}
