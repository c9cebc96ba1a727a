import { DatabaseSync } from 'node:sqlite';
import { inspect } from 'node:util';
import { SafeCause } from '@brace/core';
import { describe, expect, it } from 'vitest';
import { IdempotencyStoreError, sqliteStore } from './index.js';

const LONG = { lockTtlMs: 60_000, ttlMs: 86_400_000 };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

function everything(value: unknown): string {
  return inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true });
}

async function rejection(promise: Promise<unknown>): Promise<IdempotencyStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IdempotencyStoreError);
  return error as IdempotencyStoreError;
}

describe('secrets never reach the cause chain', () => {
  it('driver messages that echo the key, fingerprint, token or headers are redacted; code and errno are kept', async () => {
    const db = new DatabaseSync(':memory:');
    const store = sqliteStore({ database: db });
    await store.migrate();
    // Triggers that put the row's values into the error message, as a driver or server may.
    db.exec(`CREATE TRIGGER echo_insert BEFORE INSERT ON brace_idempotency WHEN NEW.key LIKE '%REFUSED%'
BEGIN SELECT RAISE(ABORT, 'refused ' || NEW.scope || ' ' || NEW.key || ' ' || NEW.fingerprint || ' ' || NEW.owner_token); END`);
    db.exec(`CREATE TRIGGER echo_update BEFORE UPDATE ON brace_idempotency WHEN NEW.status = 'completed'
BEGIN SELECT RAISE(ABORT, 'refused ' || OLD.key || ' ' || OLD.owner_token || ' ' || NEW.response_headers); END`);
    const fingerprint = 'sha256:FINGERPRINT-SECRET-91aa';
    const refused = { scope: 'tenant SCOPE-SECRET-77', key: 'KEY-SECRET-REFUSED-6c1f' };
    const beginError = await rejection(store.begin(refused, fingerprint, LONG));

    const where = { scope: 'tenant SCOPE-SECRET-77', key: 'KEY-SECRET-ok-0b2e' };
    const begun = await store.begin(where, fingerprint, LONG);
    if (begun.status !== 'acquired') throw new Error('expected acquired');
    const completeError = await rejection(
      store.complete(
        where,
        begun.token,
        { status: 201, headers: [['x-h', 'HEADER-SECRET-13']], body: new Uint8Array([1]) },
        { ttlMs: 60_000 },
      ),
    );
    for (const error of [beginError, completeError]) {
      const cause = error.cause as SafeCause;
      expect(cause).toBeInstanceOf(SafeCause);
      expect(cause.code).toBe('ERR_SQLITE_ERROR');
      expect(cause.errno).toBe(1811); // SQLITE_CONSTRAINT_TRIGGER
      expect(cause.message).toMatch(/^refused \[redacted\]/);
      const text = everything(error);
      for (const secret of [
        'KEY-SECRET',
        fingerprint,
        'SCOPE-SECRET-77',
        begun.token,
        'HEADER-SECRET-13',
      ]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(UUID); // no owner token of any claim
    }
    db.close();
  });
});
