import type { IdempotencyStore } from '@brace/idempotency';
import type { PGlite } from '@electric-sql/pglite';
import type { Client, Pool, PoolClient } from 'pg';
import { describe, expectTypeOf, it } from 'vitest';
import { type PostgresClient, type PostgresIdempotencyStore, postgresStore } from './index.js';

/** postgres.js is not installed: a stand-in for its documented `sql.unsafe(text, params)`. */
interface PostgresJsStandIn {
  unsafe(query: string, parameters?: unknown[]): Promise<Array<Record<string, unknown>>>;
}

describe('client types', () => {
  it('pg Pool, Client and PoolClient fit as they are', () => {
    expectTypeOf<Pool>().toExtend<PostgresClient>();
    expectTypeOf<Client>().toExtend<PostgresClient>();
    expectTypeOf<PoolClient>().toExtend<PostgresClient>();
  });

  it('PGlite fits as it is', () => {
    expectTypeOf<PGlite>().toExtend<PostgresClient>();
  });

  it('postgres.js fits through the README wrapper, not on its own', () => {
    expectTypeOf<PostgresJsStandIn>().not.toExtend<PostgresClient>();
    const wrap = (sql: PostgresJsStandIn) => ({
      query: async (text: string, params?: unknown[]) => ({ rows: await sql.unsafe(text, params) }),
    });
    expectTypeOf(wrap).returns.toExtend<PostgresClient>();
  });

  it('returns an IdempotencyStore with migrate and sweep', () => {
    expectTypeOf(postgresStore).returns.toEqualTypeOf<PostgresIdempotencyStore>();
    expectTypeOf<PostgresIdempotencyStore>().toExtend<IdempotencyStore>();
    expectTypeOf<PostgresIdempotencyStore['sweep']>().returns.toEqualTypeOf<Promise<number>>();
  });
});
