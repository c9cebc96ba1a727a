import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { describe, expectTypeOf, it } from 'vitest';
import {
  getHeader,
  type HeadersInput,
  parseRateLimit,
  parseRetryAfter,
  parseServerDelay,
  type RateLimitInfo,
  type ServerDelay,
} from './index.js';

describe('HeadersInput', () => {
  it('accepts Fetch Headers, Node header records and pairs', () => {
    expectTypeOf<Headers>().toExtend<HeadersInput>();
    expectTypeOf<IncomingHttpHeaders>().toExtend<HeadersInput>();
    expectTypeOf<Record<string, string | string[] | number | undefined>>().toExtend<HeadersInput>();
    expectTypeOf<Map<string, string>>().toExtend<HeadersInput>();
    expectTypeOf<Array<[string, string]>>().toExtend<HeadersInput>();
    expectTypeOf<string>().not.toExtend<HeadersInput>();
  });

  it('axios-shaped header records fit (the real axios types: rate-limit/src/axios.test-d.ts)', () => {
    type AxiosHeaderValue = string | string[] | number | boolean | null;
    type RawAxiosResponseHeaders = Partial<
      Record<string, AxiosHeaderValue> & { 'set-cookie': string[] }
    >;
    expectTypeOf<RawAxiosResponseHeaders>().toExtend<HeadersInput>();
  });

  it('OutgoingHttpHeaders without readonly arrays fit too', () => {
    expectTypeOf<Pick<OutgoingHttpHeaders, 'retry-after'>>().toExtend<HeadersInput>();
  });

  it('parsers have the documented signatures', () => {
    expectTypeOf(getHeader).returns.toEqualTypeOf<string | undefined>();
    expectTypeOf(parseRetryAfter).parameters.toEqualTypeOf<
      [value: string | null | undefined, now?: number]
    >();
    expectTypeOf(parseRetryAfter).returns.toEqualTypeOf<number | undefined>();
    expectTypeOf(parseRateLimit).returns.toEqualTypeOf<RateLimitInfo | undefined>();
    expectTypeOf(parseServerDelay).returns.toEqualTypeOf<ServerDelay | undefined>();
  });
});
