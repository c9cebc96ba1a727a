// Deterministic per-request figures for the client suite's stub workload (not a suite: run by
// hand). `client-count.ts <contender> <n> <warm-up>` runs the warm-up calls, then `n` measured
// calls, and prints the heap bytes allocated per measured call; run it with a young generation
// large enough that no GC runs in the measured loop (it prints the GCs seen: 1 is its own):
//
//   node --single-threaded --expose-gc --max-semi-space-size=256 --min-semi-space-size=256 \
//     --import tsx bench/src/suites/client-count.ts brace 1000 3000
//
// Instructions per call: two cachegrind runs of different lengths, their difference ÷ the
// extra calls (start-up, compilation and warm-up cancel; `--single-threaded` keeps V8's
// compiler and GC on the main thread, so the counts repeat):
//
//   GC_EVERY=250 valgrind --tool=cachegrind --cache-sim=no node --single-threaded --expose-gc \
//     --import tsx bench/src/suites/client-count.ts brace 1000 3000   (then 4000 3000)
//
// (Without GC_EVERY, where V8 places its major collections decides the difference: runs of
// 1000 and 2000 calls gave the floor more instructions per call than the integration.)
//
// Contenders: `brace` (every part on, as client.ts), `brace-<part>` (every part but one:
// cache, telemetry, auth, ratelimit, breaker, retry, routes, errors; `brace-none`: all off),
// `floor` (ky's plumbing + `.json(User)`), `least` (the least-work floor, client-floor.ts).
// `client-alloc.ts` reports where a contender allocates.
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { defineIntegration, type IntegrationOptions } from '@brace/client';
import { everyPart, leastWork, plumbing } from './client-floor.js';
import { User, user } from './schema-guard.js';

const VERSION = { 'api-version': '2026-01-01' };
const which = process.argv[2] ?? 'brace';
const n = Number(process.argv[3] ?? 2000);
const warm = Number(process.argv[4] ?? 2000);
const text = JSON.stringify(user);
const stub = (async () =>
  new Response(text, {
    status: 200,
    headers: { 'content-type': 'application/json' },
  })) as typeof fetch;
const baseUrl = 'http://stub.test/v2/';

const calls: Record<string, () => Promise<unknown>> = {};
const without: Record<string, Partial<IntegrationOptions<unknown>>> = {
  cache: { cache: false },
  telemetry: { telemetry: false },
  auth: { auth: undefined },
  ratelimit: { rateLimit: false },
  breaker: { breaker: false },
  retry: { retry: false },
  routes: { routes: undefined },
  errors: { errors: false },
};
if (which === 'brace' || which.startsWith('brace-')) {
  // `brace-<part>`: every part on but that one (`brace-none`: every part off).
  const part = which.slice('brace-'.length);
  const change =
    part === 'none'
      ? Object.assign({ idempotency: false }, ...Object.values(without))
      : (without[part] ?? {});
  const brace = defineIntegration({ ...everyPart(baseUrl, stub), ...change });
  calls[which] = () => brace.get('users/42').json();
} else if (which === 'floor') {
  const floor = plumbing({ baseUrl, fetch: stub });
  calls.floor = () => floor.get('users/42').json(User);
} else if (which === 'least') {
  const least = leastWork({ baseUrl, fetch: stub }, VERSION);
  calls.least = () => least.get('users/42').json(User);
}
const found = calls[which];
if (!found) throw new Error(`unknown contender ${which}`);
/** The chosen contender's call (for client-alloc.ts). */
export const call = found;

for (let i = 0; i < warm; i++) await call();
let gcs = 0;
if (n > 0) await measure();

async function measure() {
  const observer = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 10));
  const before = getHeapStatistics().used_heap_size;
  // GC_EVERY=k: a full GC every k calls (needs --expose-gc), so two runs of different lengths
  // pay their collections in proportion to their length, not wherever V8 happens to place them.
  const every = Number(process.env.GC_EVERY ?? 0);
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < n; i++) {
    if (every > 0 && i % every === 0) gc?.();
    await call();
  }
  const after = getHeapStatistics().used_heap_size;
  await new Promise((r) => setTimeout(r, 10));
  observer.disconnect();
  console.log(`${which}: n=${n} bytes/request=${((after - before) / n).toFixed(0)} gcs=${gcs}`);
}
