// The client suite's least-work floor for "every part on": the plumbing floor (ky's own cost
// of the hooks, retry option, headers and `.json(schema)`) plus the smallest amount of work any
// implementation of each part must do on a successful, uncacheable GET, written inline with no
// Brace code. If a target lies below this floor, no implementation can meet it; the suite prints
// it beside the targets (which stay judged against the plumbing floor).
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import ky, { type KyInstance, type Options } from 'ky';
import { pairedRatio } from '../harness.js';

/** A metric reader that collects nothing and exports nowhere: the SDK still aggregates. */
class NoopReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

type FetchFn = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** What the least-work floor does per request, part by part (for the report). */
export const LEAST_WORK_PARTS = [
  'auth: one token read from a holder, set as the `authorization` header',
  'rate limit: one token-bucket acquire (a clock read, a refill, a take) and a concurrency slot released when the answer arrives, plus one read of a rate-limit response header',
  'cache: one lookup — a `Map.get` under a key of method, URL and credential — that misses',
  'retries and budget: the budget counts the request and its success (two counter updates)',
  'breaker: one state check before the attempt and one success recorded after it',
  'telemetry: two clock reads and two `histogram.record` calls (an attempt and an operation sample, the same 6 attributes) through the real OpenTelemetry SDK with a no-op reader — what issue 21 measured at +4.34 µs',
  'deprecation observer: two response-header lookups (`Deprecation`, `Sunset`)',
  'idempotency (a GET carries no key), problem details (a 2xx needs none), schema guard (the floor already validates with `.json(User)`), version header (already a default header): nothing more',
];

/** The unavoidable per-part work, as a `before` step (per call) and a fetch wrapper (per attempt). */
function partsWork(baseFetch: FetchFn): {
  before: (method: string, url: string) => void;
  token: () => string;
  fetch: FetchFn;
} {
  const histogram = new MeterProvider({ readers: [new NoopReader()] })
    .getMeter('bench')
    .createHistogram('http.client.request.duration');
  const attributes = {
    'http.request.method': 'GET',
    'server.address': 'stub.test',
    'server.port': 80,
    'url.template': '/users/{id}',
    'brace.integration': 'bench',
    'http.response.status_code': 200,
  };
  const credential = { token: 'bench-token' };
  const bucket = { tokens: 1e9, capacity: 1e9, perMs: 1e6, at: performance.now(), inflight: 0 };
  const cache = new Map<string, unknown>([['GET http://elsewhere.test/ other', {}]]);
  const budget = { requests: 0, successes: 0 };
  const breaker = { state: 'closed', successes: 0 };
  return {
    token: () => credential.token,
    before: (method, url) => {
      budget.requests += 1;
      if (cache.get(`${method} ${url} ${credential.token}`) !== undefined) {
        throw new Error('least work: hit');
      }
    },
    fetch: (input, init) => {
      const now = performance.now();
      bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (now - bucket.at) * bucket.perMs);
      bucket.at = now;
      if (bucket.tokens < 1 || bucket.inflight >= 64) throw new Error('least work: no slot');
      bucket.tokens -= 1;
      bucket.inflight += 1;
      if (breaker.state !== 'closed') throw new Error('least work: open');
      return baseFetch(input, init).then((response) => {
        bucket.inflight -= 1;
        const h = response.headers;
        h.get('ratelimit');
        if (h.has('deprecation') || h.has('sunset')) throw new Error('least work: deprecated');
        breaker.successes += 1;
        budget.successes += 1;
        // The attempt's sample and the operation's (one attempt: they end together).
        const seconds = (performance.now() - now) / 1000;
        histogram.record(seconds, attributes);
        histogram.record(seconds, attributes);
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
  const work = partsWork((base.fetch as FetchFn | undefined) ?? ((i, o) => fetch(i, o)));
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
  url: string,
  headers: Record<string, string>,
): () => Promise<unknown> {
  const work = partsWork((i, o) => fetch(i, o));
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

/**
 * Paired rounds on CPU time (`process.cpuUsage`): like the harness's `pairedRatio`, but each
 * side is charged the CPU this process spent, not the wall clock. The stub and the loopback
 * server both run in this process, so that is all the work of a call; and on a shared machine
 * (this one: 2 cores, load ~15 while other suites run) other processes' bursts, which the wall
 * clock charges to whichever side was running, mostly drop out. Returns the median of
 * cpu(b) ÷ cpu(a): a's throughput relative to b's.
 */
export function pairedCpuRatio(
  a: () => unknown,
  b: () => unknown,
  options: { rounds: number; n: number },
): Promise<number> {
  return pairedRatio(a, b, { ...options, cpu: true });
}
