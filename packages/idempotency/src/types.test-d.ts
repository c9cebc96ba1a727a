import type { Context } from 'hono';
import type { Hooks } from 'ky';
import { describe, expectTypeOf, it } from 'vitest';
import type { IdempotencyRequest } from './fingerprint.js';
import { withIdempotencyKey } from './key.js';
import { idempotencyHooks } from './ky.js';
import type { IdempotencyOptions } from './options.js';
import type { BeginResult } from './store.js';

describe('types', () => {
  it('idempotencyHooks returns ky Hooks', () => {
    expectTypeOf(idempotencyHooks()).toEqualTypeOf<Hooks>();
  });

  it('withIdempotencyKey keeps the init type and makes headers present', () => {
    const init = withIdempotencyKey({ method: 'POST', headers: new Headers() });
    expectTypeOf(init.method).toEqualTypeOf<string>();
    expectTypeOf(init.headers).toEqualTypeOf<Headers>();
    expectTypeOf(withIdempotencyKey({ method: 'POST' }).headers).toEqualTypeOf<
      Record<string, string>
    >();
  });

  it('scope and fingerprint see the framework request as raw', () => {
    type Scope = Exclude<IdempotencyOptions<Context>['scope'], false | undefined>;
    expectTypeOf<Parameters<Scope>[0]>().toEqualTypeOf<IdempotencyRequest<Context>>();
    // Opting out of the default (credential) scope is explicit.
    expectTypeOf<false>().toExtend<IdempotencyOptions<Context>['scope']>();
  });

  it('BeginResult narrows on status', () => {
    const result = {} as BeginResult;
    if (result.status === 'acquired') expectTypeOf(result.token).toBeString();
    if (result.status === 'completed') expectTypeOf(result.record.body).toEqualTypeOf<Uint8Array>();
  });
});
