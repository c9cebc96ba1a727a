import type {
  AxiosError,
  AxiosResponse,
  AxiosResponseHeaders,
  RawAxiosResponseHeaders,
} from 'axios';
import { expectTypeOf, test } from 'vitest';
import { createRateLimiter } from './index.js';

test('limiter.observe takes axios header objects', () => {
  const limiter = createRateLimiter({ concurrency: 1 });
  expectTypeOf<AxiosResponseHeaders>().toExtend<Parameters<typeof limiter.observe>[0]>();
  expectTypeOf<RawAxiosResponseHeaders>().toExtend<Parameters<typeof limiter.observe>[0]>();
  const observeError = (e: AxiosError) => {
    if (e.response) limiter.observe(e.response.headers, { key: 'api.example.com' });
  };
  const observeResponse = (r: AxiosResponse) => limiter.observe(r.headers);
  expectTypeOf(observeError).toBeFunction();
  expectTypeOf(observeResponse).toBeFunction();
});
