import type { DatabaseSync } from 'node:sqlite';
import type { IdempotencyStore } from '@brace/idempotency';
import { describe, expectTypeOf, it } from 'vitest';
import { type SqliteDatabase, type SqliteIdempotencyStore, sqliteStore } from './index.js';

/**
 * A structural stand-in for better-sqlite3's documented API (as typed by
 * @types/better-sqlite3), which is not installed here because it needs a native build.
 */
declare namespace BetterSqlite3 {
  interface RunResult {
    changes: number;
    lastInsertRowid: number | bigint;
  }
  interface Statement<BindParameters extends unknown[], Result = unknown> {
    database: Database;
    source: string;
    reader: boolean;
    run(...params: BindParameters): RunResult;
    get(...params: BindParameters): Result | undefined;
    all(...params: BindParameters): Result[];
    iterate(...params: BindParameters): IterableIterator<Result>;
    pluck(toggleState?: boolean): this;
    raw(toggleState?: boolean): this;
    bind(...params: BindParameters): this;
    safeIntegers(toggleState?: boolean): this;
  }
  interface Database {
    memory: boolean;
    readonly: boolean;
    name: string;
    open: boolean;
    inTransaction: boolean;
    // biome-ignore lint/complexity/noBannedTypes: mirrors @types/better-sqlite3
    prepare<BindParameters extends unknown[] | {} = unknown[], Result = unknown>(
      source: string,
    ): BindParameters extends unknown[]
      ? Statement<BindParameters, Result>
      : Statement<[BindParameters], Result>;
    exec(source: string): this;
    pragma(source: string, options?: { simple?: boolean }): unknown;
    close(): this;
  }
}

describe('sqliteStore types', () => {
  it("accepts node:sqlite's DatabaseSync", () => {
    expectTypeOf<DatabaseSync>().toExtend<SqliteDatabase>();
  });

  it("accepts better-sqlite3's Database", () => {
    expectTypeOf<BetterSqlite3.Database>().toExtend<SqliteDatabase>();
  });

  it('rejects things that are not a database', () => {
    expectTypeOf<{ exec(sql: string): void }>().not.toExtend<SqliteDatabase>();
    expectTypeOf<{ prepare(sql: string): { all(): unknown[] } }>().not.toExtend<SqliteDatabase>();
  });

  it('returns an IdempotencyStore with migrate and sweep', () => {
    expectTypeOf(sqliteStore).returns.toEqualTypeOf<SqliteIdempotencyStore>();
    expectTypeOf<SqliteIdempotencyStore>().toExtend<IdempotencyStore>();
    expectTypeOf<SqliteIdempotencyStore['sweep']>().returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf<SqliteIdempotencyStore['migrate']>().returns.toEqualTypeOf<Promise<void>>();
  });
});
