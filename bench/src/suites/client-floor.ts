// The client suite's least-work floor for "every part on": the plumbing floor (ky's own cost
// of the hooks, retry option, headers and `.json(schema)`) plus the smallest amount of work any
// implementation of each part must do on a successful, uncacheable GET, written inline with no
// Brace code. If a target lies below this floor, no implementation can meet it; the suite prints
// it beside the targets (which stay judged against the plumbing floor).
import type { IntegrationOptions } from '@brace/client';
import ky, { type KyInstance, type Options } from 'ky';
import { pairedRatios } from '../harness.js';
import { settle } from '../settle.js';
import { routes } from './schema-guard.js';

type FetchFn = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** What the least-work floor does per request, part by part (for the report). */
export const LEAST_WORK_PARTS = [
  'auth: one token read from a holder, set as the `authorization` header',
  'rate limit: one token-bucket acquire (a clock read, a refill, a take) and a concurrency slot released when the answer arrives, plus one read of a rate-limit response header',
  "cache: one lookup — a `Map.get` under a key of method, URL and credential — that misses; the miss in flight marked for coalescing (a `Map.set` and a `Map.delete`); one read of the response's `Cache-Control` to decide it is not stored",
  'routes: the request path matched against the route table once (one compiled `RegExp` test), for the schema guard and the telemetry template',
  'retries and budget: the budget counts the request and its success (two counter updates)',
  'breaker: one state check before the attempt and one success recorded after it',
  'telemetry (`telemetry: true`: no OpenTelemetry meter, the rolling window behind `health()` and `stats()`): two clock reads, the attempt and call counters, and one latency sample into a log-bucketed histogram (an index computed with `Math.log`, one increment)',
  'deprecation observer: two response-header lookups (`Deprecation`, `Sunset`)',
  'idempotency (a GET carries no key), problem details (a 2xx needs none), schema guard (the floor already validates with `.json(User)`), version header (already a default header): nothing more',
];

/** The unavoidable per-part work, as a `before` step (per call) and a fetch wrapper (per attempt). */
function partsWork(
  baseFetch: FetchFn,
  baseUrl: string,
): {
  before: (method: string, url: string) => void;
  token: () => string;
  fetch: FetchFn;
} {
  const credential = { token: 'bench-token' };
  const bucket = { tokens: 1e9, capacity: 1e9, perMs: 1e6, at: performance.now(), inflight: 0 };
  const cache = new Map<string, unknown>([['GET http://elsewhere.test/ other', {}]]);
  const flights = new Map<string, unknown>();
  const route = /^\/users\/[^/]+$/;
  const basePath = baseUrl.length - 1; // the base URL ends with '/', the route's path starts with it
  const budget = { requests: 0, successes: 0 };
  const breaker = { state: 'closed', successes: 0 };
  // The rolling window's figures: counters and a log-bucketed latency histogram (1% accuracy).
  const window = { calls: 0, attempts: 0, errors: 0, buckets: new Uint32Array(4096) };
  const logGamma = Math.log(1.02);
  let key = '';
  return {
    token: () => credential.token,
    before: (method, url) => {
      budget.requests += 1;
      // The path below the base URL, matched once (the schema guard's route, telemetry's template).
      const path = url.slice(basePath);
      if (!route.test(path)) throw new Error('least work: no route');
      key = `${method} ${url} ${credential.token}`;
      if (cache.get(key) !== undefined) throw new Error('least work: hit');
    },
    fetch: (input, init) => {
      const now = performance.now();
      bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (now - bucket.at) * bucket.perMs);
      bucket.at = now;
      if (bucket.tokens < 1 || bucket.inflight >= 64) throw new Error('least work: no slot');
      bucket.tokens -= 1;
      bucket.inflight += 1;
      if (breaker.state !== 'closed') throw new Error('least work: open');
      const flight = key;
      flights.set(flight, input);
      return baseFetch(input, init).then((response) => {
        bucket.inflight -= 1;
        flights.delete(flight);
        const h = response.headers;
        h.get('ratelimit');
        if (h.has('deprecation') || h.has('sunset')) throw new Error('least work: deprecated');
        if (h.get('cache-control') !== null) throw new Error('least work: storable');
        breaker.successes += 1;
        budget.successes += 1;
        // One attempt: the attempt and the call end together, one latency sample.
        const ms = performance.now() - now;
        window.attempts += 1;
        window.calls += 1;
        const index = ms > 1e-3 ? Math.min(4095, Math.ceil(Math.log(ms * 1e3) / logGamma)) : 0;
        window.buckets[index] = (window.buckets[index] as number) + 1;
        return response;
      });
    },
  };
}

/** The plumbing floor's retry option: `backoffRetry`'s shape, never retrying (shared with client.ts). */
export const PLUMBING_RETRY: Options['retry'] = {
  limit: 3,
  methods: ['get', 'put', 'head', 'delete', 'options', 'trace', 'query', 'post', 'patch'],
  delay: () => 0,
  shouldRetry: () => false,
};

/**
 * The least-work floor: the plumbing floor's shape (the same do-nothing hooks of every kind,
 * the same retry option and default headers) with the unavoidable per-part work done inside its
 * `init` and `beforeRequest` hooks and one fetch wrapper.
 */
export function leastWork(base: Options, headers: Record<string, string>): KyInstance {
  const work = partsWork(
    (base.fetch as FetchFn | undefined) ?? ((i, o) => fetch(i, o)),
    base.baseUrl as string,
  );
  return ky.create({
    ...base,
    headers,
    retry: PLUMBING_RETRY,
    hooks: {
      init: [
        (options) => {
          options.fetch = work.fetch;
          (options.headers as Record<string, string>).authorization = `Bearer ${work.token()}`;
        },
      ],
      beforeRequest: [({ request }) => work.before(request.method, request.url)],
      beforeRetry: [() => {}],
      beforeError: [({ error }) => error],
    },
  });
}

/**
 * The least-work floor of the fetch form: the fetch floor (the same default headers and a
 * per-attempt timeout, cleared once the body is read) plus the same per-part work.
 */
export function leastWorkFetch(
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): () => Promise<unknown> {
  const url = `${baseUrl}${path}`;
  const work = partsWork((i, o) => fetch(i, o), baseUrl);
  return async () => {
    work.before('GET', url);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10_000);
    try {
      const response = await work.fetch(url, {
        headers: { ...headers, authorization: `Bearer ${work.token()}` },
        signal: controller.signal,
      });
      return await response.json();
    } finally {
      clearTimeout(timer);
    }
  };
}

/** A paired ratio: the median over rounds and the middle half of the rounds (quartiles). */
export interface PairedRatio {
  median: number;
  low: number;
  high: number;
  rounds: number;
}

/**
 * Paired rounds on CPU time (`process.cpuUsage`): like the harness's `pairedRatio`, but each
 * side is charged the CPU this process spent, not the wall clock, and the spread is kept. The
 * stub and the loopback server both run in this process, so that is all the work of a call; and
 * on a shared machine (this one: 2 cores, load ~15 while other suites run) other processes'
 * bursts, which the wall clock charges to whichever side was running, mostly drop out. Each
 * round runs `n` calls of `a` and of `b` back to back (the order alternates) and records
 * cpu(b) ÷ cpu(a), `a`'s throughput relative to `b`'s; returns the median and quartiles. Each
 * side's run starts on a settled heap (`settle`: two full collections), so a collection
 * caused by one side's garbage is not charged to the other.
 */
export async function pairedCpuRatio(
  a: () => unknown,
  b: () => unknown,
  options: { rounds: number; n: number },
): Promise<PairedRatio> {
  const ratios = await pairedRatios(a, b, { ...options, cpu: true, before: settle });
  const at = (q: number) =>
    ratios[Math.min(ratios.length - 1, Math.floor(q * ratios.length))] as number;
  return { median: at(0.5), low: at(0.25), high: at(0.75), rounds: ratios.length };
}

/** Every part on: version, token auth, limiter, retries in a budget, breaker, idempotency, routes (warn), problem details, cache, telemetry. */
export function everyPart(
  baseUrl: string,
  fetchFn: typeof fetch | undefined,
): IntegrationOptions<unknown> {
  return {
    name: 'bench',
    baseUrl,
    version: '2026-01-01',
    auth: { token: 'bench-token' },
    rateLimit: { policies: [{ limit: 1_000_000_000, intervalMs: 1000 }], concurrency: 64 },
    routes,
    cache: {},
    telemetry: true,
    warn: false,
    ...(fetchFn ? { fetch: fetchFn } : {}),
  };
}

/** The floor: ky's own plumbing for the same kinds of hook, retry option and headers; no Brace code. */
export function plumbing(base: Options): KyInstance {
  return ky.create({
    ...base,
    headers: { 'api-version': '2026-01-01', authorization: 'Bearer bench-token' },
    retry: PLUMBING_RETRY,
    hooks: {
      init: [() => {}],
      beforeRequest: [() => {}],
      beforeRetry: [() => {}],
      beforeError: [({ error }) => error],
    },
  });
}
