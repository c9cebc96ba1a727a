// @brace/rate-limit(-redis): queue overhead on 100,000 no-op tasks, precision at 50/s in real
// time, and Redis acquire throughput against rate-limiter-flexible on the same server.
import { createRateLimiter } from '@brace/rate-limit';
import { redisStore } from '@brace/rate-limit-redis';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import PQueue from 'p-queue';
import pThrottle from 'p-throttle';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { compare, type WorkloadResult } from '../harness.js';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import {
  compareFixed,
  countRedisCommands,
  loopback,
  nsOf,
  runId,
  skipped,
  times,
  us,
} from '../util.js';

const SUITE = 'rate-limit';
const noop = () => undefined;
const asyncNoop = async () => undefined;
const HUGE = 1_000_000_000;

const suite: Suite = async (ctx) => {
  const workloads: WorkloadResult[] = [];
  const lines: string[] = [];

  // 1. Scheduling no-op tasks that are never throttled: all submitted at once, awaited.
  const tasks = ctx.smoke ? 2_000 : ctx.quick ? 20_000 : 100_000;
  const bottleneckTasks = ctx.smoke ? 100 : ctx.quick ? 500 : 5_000;
  const all = (n: number, one: () => Promise<unknown>) => {
    const list = new Array<Promise<unknown>>(n);
    for (let i = 0; i < n; i++) list[i] = one();
    return Promise.all(list);
  };
  const queue = await compareFixed(
    SUITE,
    `${tasks.toLocaleString('en')} no-op tasks submitted at once (bottleneck: ${bottleneckTasks.toLocaleString('en')}), never throttled; ops = tasks`,
    [
      {
        name: 'Brace schedule(), concurrency 10',
        ops: tasks,
        run: () => {
          const l = createRateLimiter({ concurrency: 10 });
          return all(tasks, () => l.schedule(noop));
        },
      },
      {
        name: 'Brace schedule(), concurrency 10 + policy (1e9 per s, sliding log)',
        ops: tasks,
        run: () => {
          const l = createRateLimiter({
            concurrency: 10,
            policies: [{ limit: HUGE, intervalMs: 1000 }],
          });
          return all(tasks, () => l.schedule(noop));
        },
      },
      {
        name: 'Brace schedule(), concurrency 10 + GCRA policy (burst)',
        ops: tasks,
        run: () => {
          const l = createRateLimiter({
            concurrency: 10,
            policies: [{ limit: HUGE, intervalMs: 1000, burst: HUGE }],
          });
          return all(tasks, () => l.schedule(noop));
        },
      },
      {
        name: 'Brace schedule(), concurrency 10, async no-op',
        ops: tasks,
        run: () => {
          const l = createRateLimiter({ concurrency: 10 });
          return all(tasks, () => l.schedule(asyncNoop));
        },
      },
      {
        name: 'p-queue, concurrency 10',
        ops: tasks,
        run: () => {
          const q = new PQueue({ concurrency: 10 });
          return all(tasks, () => q.add(noop));
        },
      },
      {
        name: 'p-throttle (no concurrency control)',
        ops: tasks,
        run: () => {
          const t = pThrottle({ limit: HUGE, interval: 1000 })(noop);
          return all(tasks, () => t() as unknown as Promise<unknown>);
        },
      },
      {
        name: 'bottleneck, maxConcurrent 10',
        ops: bottleneckTasks,
        rounds: ctx.smoke || ctx.quick ? 1 : 2,
        run: () => {
          const b = new Bottleneck({ maxConcurrent: 10 });
          return all(bottleneckTasks, () => b.schedule(async () => undefined));
        },
      },
    ],
    ctx.smoke ? 1 : ctx.quick ? 3 : 5,
    'Every limiter gets the same synchronous no-op; with a cap of 10, every task past the first 10 waits in the queue. Brace frees the slot of a task that returned synchronously in one microtask shared by every task that returned in the same tick (just before its promise resolves), so that path allocates no promise or closure per task; the “async no-op” row (`async () => undefined`) shows the promise-returning path, which waits for the promise as before.',
  );
  workloads.push(queue);
  const perTask = nsOf(queue, 'Brace schedule(), concurrency 10');
  target(
    SUITE,
    'scheduling 100,000 non-throttled no-op tasks costs ≤ 1 µs per task with the concurrency cap on',
    `${us(perTask, 3)} per task (${tasks.toLocaleString('en')} tasks; with a sliding-log policy ${us(nsOf(queue, 'Brace schedule(), concurrency 10 + policy (1e9 per s, sliding log)'))}; p-queue ${us(nsOf(queue, 'p-queue, concurrency 10'))}, p-throttle ${us(nsOf(queue, 'p-throttle (no concurrency control)'))})`,
    perTask <= 1000,
  );

  // 2. Precision at 50/s, real time, each limiter alone.
  const precisionTasks = ctx.quick ? 60 : 300;
  lines.push(...(await precision(precisionTasks)));

  // 3. Pacing against a provider that counts a rolling second by arrival time.
  lines.push(...(await pacingScenario(ctx.smoke ? 60 : ctx.quick ? 150 : 400)));

  // 3b. Adaptive mode against a provider that advertises nothing.
  lines.push(...(await adaptiveScenario(ctx.smoke ? 2_000 : ctx.quick ? 15_000 : 30_000)));

  // 4. Redis.
  lines.push(...(await redis(ctx, workloads)));

  return {
    title: 'rate-limit',
    workloads,
    extra: lines.join('\n'),
    libraries: ['p-queue', 'p-throttle', 'bottleneck', 'rate-limiter-flexible', 'ioredis'],
  };
};

interface Precision {
  maxInWindow: number;
  completionMs: number;
  rate: number;
}

/** Submits `n` tasks at once to `schedule` and records when each starts. */
async function startTimes(
  n: number,
  schedule: (fn: () => void) => Promise<unknown>,
): Promise<Precision> {
  const starts: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: n }, () => schedule(() => void starts.push(performance.now() - t0))),
  );
  starts.sort((a, b) => a - b);
  let maxInWindow = 0;
  let j = 0;
  for (let i = 0; i < starts.length; i++) {
    while (j < starts.length && starts[j]! - starts[i]! < 1000) j++;
    maxInWindow = Math.max(maxInWindow, j - i);
  }
  const completionMs = starts[starts.length - 1]!;
  // Effective rate: the limit scaled by how close the run came to the ideal schedule.
  const ideal = Math.floor((n - 1) / 50) * 1000;
  const rate = (50 * ideal) / completionMs;
  return { maxInWindow, completionMs, rate };
}

async function precision(n: number): Promise<string[]> {
  const ideal = Math.floor((n - 1) / 50) * 1000;
  // The precision target is about exact windows: no pacing, no safety margin.
  const brace = createRateLimiter({
    policies: [{ limit: 50, intervalMs: 1000 }],
    pacing: 'burst',
    safetyMarginMs: 0,
  });
  const braceDefaults = createRateLimiter({ policies: [{ limit: 50, intervalMs: 1000 }] });
  const pq = new PQueue({ intervalCap: 50, interval: 1000, strict: true });
  const throttled = pThrottle({ limit: 50, interval: 1000, strict: true });
  const bottleneck = new Bottleneck({
    reservoir: 50,
    reservoirRefreshAmount: 50,
    reservoirRefreshInterval: 1000,
  });
  // One at a time, so one limiter's timers and garbage never delay another's task starts.
  const runs: Array<[string, () => Promise<Precision>]> = [
    [
      "Brace createRateLimiter({ policies: [{ limit: 50, intervalMs: 1000 }], pacing: 'burst', safetyMarginMs: 0 })",
      () => startTimes(n, (fn) => brace.schedule(fn)),
    ],
    [
      'Brace defaults (smooth pacing, 50 ms safety margin: 50 per 1,050 ms)',
      () => startTimes(n, (fn) => braceDefaults.schedule(fn)),
    ],
    [
      'p-queue { intervalCap: 50, interval: 1000, strict: true }',
      () => startTimes(n, (fn) => pq.add(fn)),
    ],
    [
      'p-throttle { limit: 50, interval: 1000, strict: true }',
      () => startTimes(n, (fn) => throttled(fn)() as unknown as Promise<unknown>),
    ],
    [
      'bottleneck reservoir 50, refreshed every 1000 ms',
      () => startTimes(n, (fn) => bottleneck.schedule(async () => fn())),
    ],
  ];
  const rows: string[] = [];
  let braceResult: Precision | undefined;
  for (const [name, start] of runs) {
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the previous run settle
    const r = await start();
    if (name.startsWith('Brace create')) braceResult = r; // the exact-window row
    rows.push(
      `| ${name} | ${r.maxInWindow} | ${Math.max(0, r.maxInWindow - 50)} | ${r.rate.toFixed(1)}/s | ${r.completionMs.toFixed(0)} ms | ${((r.completionMs / ideal - 1) * 100).toFixed(2)}% |`,
    );
  }
  await bottleneck.stop({ dropWaitingJobs: true });
  const b = braceResult!;
  const off = Math.abs(b.completionMs / ideal - 1);
  target(
    SUITE,
    `at 50/s with ${n} tasks submitted at once: 0 overshoot in any rolling second`,
    `max ${b.maxInWindow} starts in a rolling 1 s window (overshoot ${Math.max(0, b.maxInWindow - 50)})`,
    b.maxInWindow <= 50,
  );
  target(
    SUITE,
    `at 50/s with ${n} tasks: completion within 1% of the ideal ${(ideal / 1000).toFixed(1)} s`,
    `${b.completionMs.toFixed(0)} ms (${((b.completionMs / ideal - 1) * 100).toFixed(2)}%), effective rate ${b.rate.toFixed(1)}/s`,
    off <= 0.01,
  );
  return [
    `#### Precision at 50/s: ${n} no-op tasks submitted at once, real time (ideal completion ${(ideal / 1000).toFixed(1)} s)`,
    '',
    'Each limiter runs alone, one after the other. “Max in 1 s” is the most task starts inside any rolling 1,000 ms window; “rate” is the effective rate, 50/s × ideal ÷ actual completion (the last start).',
    '',
    '| limiter | max in 1 s | overshoot | rate | last start | vs ideal |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ];
}

async function redis(ctx: Parameters<Suite>[0], workloads: WorkloadResult[]): Promise<string[]> {
  const client = new Redis(ctx.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    const reason = `skipped: Redis at ${ctx.redisUrl} unreachable`;
    target(SUITE, 'a Redis acquire is one round trip', reason, false);
    target(
      SUITE,
      'Redis acquire throughput ≥ rate-limiter-flexible RateLimiterRedis.consume on the same server',
      reason,
      false,
    );
    return ['#### Redis', '', skipped(`Redis at ${ctx.redisUrl}`, error), ''];
  }
  const prefix = `brace-bench:${runId()}`;
  const counter = countRedisCommands(client as never);
  try {
    // Never throttled: a limit far above the calls made in the 1 s window.
    const limiter = createRateLimiter({
      policies: [{ limit: HUGE, intervalMs: 1000 }],
      store: redisStore({ client, prefix: `${prefix}:brace` }),
    });
    const gcra = createRateLimiter({
      policies: [{ limit: HUGE, intervalMs: 1000, burst: HUGE }],
      store: redisStore({ client, prefix: `${prefix}:gcra` }),
    });
    const flexible = new RateLimiterRedis({
      storeClient: client,
      keyPrefix: `${prefix}:rlf`,
      points: HUGE,
      duration: 1,
    });
    let k = 0;
    const keys = Array.from({ length: 16 }, (_, i) => `tenant-${i}`);
    const braceOne = async () => {
      const release = await limiter.acquire({ key: keys[k++ & 15]! });
      release();
    };
    const gcraOne = async () => {
      const release = await gcra.acquire({ key: keys[k++ & 15]! });
      release();
    };
    const flexOne = () => flexible.consume(keys[k++ & 15]!);
    // Round trips per acquire, after warm-up (EVALSHA cached).
    await braceOne();
    await gcraOne();
    await flexOne();
    counter.reset();
    for (let i = 0; i < 100; i++) await braceOne();
    const braceTrips = counter.count / 100;
    counter.reset();
    for (let i = 0; i < 100; i++) await flexOne();
    const flexTrips = counter.count / 100;
    const opts = { rounds: ctx.rounds, roundMs: ctx.roundMs };
    const sequential = await compare(
      SUITE,
      'Redis: one acquire at a time (latency), same server and client',
      [
        { name: 'Brace acquire() + release(), redisStore', fn: braceOne },
        { name: 'Brace, GCRA policy (burst)', fn: gcraOne },
        { name: 'rate-limiter-flexible RateLimiterRedis.consume', fn: flexOne },
      ],
      opts,
    );
    const parallel = (one: () => Promise<unknown>) => async (n: number) => {
      let left = n;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (left-- > 0) await one();
        }),
      );
    };
    const concurrent = await compare(
      SUITE,
      'Redis: 32 acquires in flight (throughput), same server and client',
      [
        {
          name: 'Brace acquire() + release(), redisStore',
          fn: braceOne,
          batch: parallel(braceOne),
        },
        { name: 'Brace, GCRA policy (burst)', fn: gcraOne, batch: parallel(gcraOne) },
        {
          name: 'rate-limiter-flexible RateLimiterRedis.consume',
          fn: flexOne,
          batch: parallel(flexOne),
        },
      ],
      {
        ...opts,
        note: 'Same 32 workers, 16 keys and ioredis client for every contender; each worker awaits its acquire (and releases it) before the next. Brace sends the acquires of one key that become ready in the same tick in one script call (`tryAcquireMany`, which admits the longest prefix that fits) and lets calls of interchangeable tasks (same cost and priority) overlap, handing grants out oldest task first; rate-limiter-flexible sends one call per `consume`. Every Brace call still enforces the strict sliding log atomically in Redis.',
      },
    );
    workloads.push(sequential, concurrent);
    const seqRatio =
      nsOf(sequential, 'rate-limiter-flexible RateLimiterRedis.consume') /
      nsOf(sequential, 'Brace acquire() + release(), redisStore');
    const conRatio =
      nsOf(concurrent, 'rate-limiter-flexible RateLimiterRedis.consume') /
      nsOf(concurrent, 'Brace acquire() + release(), redisStore');
    target(
      SUITE,
      'a Redis acquire is one round trip',
      `${braceTrips.toFixed(2)} commands per acquire (rate-limiter-flexible: ${flexTrips.toFixed(2)})`,
      braceTrips <= 1,
    );
    target(
      SUITE,
      'Redis acquire throughput ≥ rate-limiter-flexible RateLimiterRedis.consume on the same server',
      `${times(conRatio)} with 32 in flight (throughput; default sliding log, GCRA ${times(nsOf(concurrent, 'rate-limiter-flexible RateLimiterRedis.consume') / nsOf(concurrent, 'Brace, GCRA policy (burst)'))}); one at a time, i.e. latency, ${times(seqRatio)} (GCRA ${times(nsOf(sequential, 'rate-limiter-flexible RateLimiterRedis.consume') / nsOf(sequential, 'Brace, GCRA policy (burst)'))})`,
      conRatio >= 1,
    );
    return [
      `Redis round trips per call, counted on the ioredis client: Brace ${braceTrips.toFixed(2)}, rate-limiter-flexible ${flexTrips.toFixed(2)}.`,
      '',
      'The throughput target is judged with 32 acquires in flight. One at a time, an acquire is a round trip plus the script’s time on the server: Brace’s strict sliding log runs five Redis commands (TIME, the shared pause, ZCARD, ZADD, PTTL), rate-limiter-flexible’s fixed-window counter two, and a fixed window lets up to twice the limit through across a window boundary.',
      '',
    ];
  } finally {
    const stale = await client.keys(`${prefix}:*`);
    if (stale.length > 0) await client.del(...stale);
    client.disconnect();
  }
}

/**
 * The pacing scenario: a loopback provider allowing 50 requests in any rolling second by
 * arrival time (a 429 otherwise, not counted), answering `x-ratelimit-remaining` and
 * `x-ratelimit-reset` (seconds until its oldest counted arrival leaves the window). Each
 * contender is configured at exactly 50/s and sends `n` requests, 8 at a time where it has a
 * concurrency cap. Measured: 429s earned and completion time.
 */
async function pacingScenario(n: number): Promise<string[]> {
  const LIMIT = 50;
  let arrivals: number[] = [];
  let rejected = 0;
  const server = await loopback((req, res) => {
    const now = performance.now();
    arrivals = arrivals.filter((t) => t > now - 1000);
    req.resume();
    if (arrivals.length >= LIMIT) {
      rejected++;
      const reset = Math.max(1, Math.ceil((arrivals[0]! + 1000 - now) / 1000));
      res.writeHead(429, { 'retry-after': String(reset), 'content-length': '0' });
      res.end();
      return;
    }
    arrivals.push(now);
    const reset = Math.max(1, Math.ceil((arrivals[0]! + 1000 - now) / 1000));
    res.writeHead(200, {
      'x-ratelimit-limit': String(LIMIT),
      'x-ratelimit-remaining': String(LIMIT - arrivals.length),
      'x-ratelimit-reset': String(reset),
      'content-length': '2',
    });
    res.end('ok');
  });
  const call = async () => {
    const r = await fetch(server.url);
    await r.arrayBuffer();
    return r;
  };
  const rows: string[] = [];
  const run = async (name: string, send: () => Promise<unknown>) => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // an empty provider window
    arrivals = [];
    rejected = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, send));
    const ms = performance.now() - t0;
    rows.push(`| ${name} | ${n} | ${rejected} | ${(ms / 1000).toFixed(2)} s |`);
    return rejected;
  };
  let braceRejected = 0;
  try {
    const brace = createRateLimiter({
      policies: [{ limit: LIMIT, intervalMs: 1000 }],
      concurrency: 8,
    });
    braceRejected = await run(
      'Brace defaults + observe() (smooth pacing, 50 ms margin, slows before zero)',
      () =>
        brace.schedule(async () => {
          const r = await call();
          brace.observe(r, { key: 'default' });
        }),
    );
    const plain = createRateLimiter({
      policies: [{ limit: LIMIT, intervalMs: 1000 }],
      concurrency: 8,
    });
    await run('Brace defaults, without observe() (smooth pacing, 50 ms margin)', () =>
      plain.schedule(() => call()),
    );
    const unpaced = createRateLimiter({
      policies: [{ limit: LIMIT, intervalMs: 1000 }],
      concurrency: 8,
      pacing: 'burst',
      safetyMarginMs: 0,
    });
    await run("Brace unpaced (pacing: 'burst', safetyMarginMs: 0, no observe)", () =>
      unpaced.schedule(() => call()),
    );
    const pq = new PQueue({ concurrency: 8, intervalCap: LIMIT, interval: 1000, strict: true });
    await run('p-queue { intervalCap: 50, interval: 1000, strict: true, concurrency: 8 }', () =>
      pq.add(() => call()),
    );
    const bottleneck = new Bottleneck({
      maxConcurrent: 8,
      reservoir: LIMIT,
      reservoirRefreshAmount: LIMIT,
      reservoirRefreshInterval: 1000,
    });
    await run('bottleneck reservoir 50 per 1000 ms, maxConcurrent 8', () =>
      bottleneck.schedule(() => call()),
    );
    await bottleneck.stop();
    target(
      SUITE,
      `pacing: ${n} requests at exactly a rolling-window provider's 50/s earn 0 429s`,
      `${braceRejected} 429s`,
      braceRejected === 0,
    );
  } finally {
    await server.close();
  }
  return [
    `#### Pacing: ${n} requests against a provider counting a rolling second by arrival time (50/s, remaining/reset headers)`,
    '',
    'Each contender is configured at exactly the provider’s limit. A 429 is not counted by the provider (and not retried here). The provider’s reset is the time until its oldest counted arrival leaves the window, rounded up to a second: spreading `remaining` over it is conservative against a rolling window (one slot frees at the reset, not the whole quota), so the observe() row trades completion time for zero 429s.',
    '',
    '| limiter | requests | 429s earned | completion |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
  ];
}

/**
 * The adaptive scenario: a loopback provider allowing 50 requests in any rolling second and
 * advertising nothing (a bare 429 past it). Each contender runs for `ms` with 8 requests in
 * flight; measured after the first 10 s (the learning; half the run when shorter): successes
 * per second and the share rejected.
 */
async function adaptiveScenario(ms: number): Promise<string[]> {
  const LIMIT = 50;
  const learnMs = Math.min(10_000, ms / 2);
  let arrivals: number[] = [];
  let counting = false;
  let ok = 0;
  let rejected = 0;
  const server = await loopback((req, res) => {
    const now = performance.now();
    arrivals = arrivals.filter((t) => t > now - 1000);
    req.resume();
    const refuse = arrivals.length >= LIMIT;
    if (!refuse) arrivals.push(now);
    if (counting) {
      if (refuse) rejected++;
      else ok++;
    }
    res.writeHead(refuse ? 429 : 200, { 'content-length': '0' });
    res.end();
  });
  const rows: string[] = [];
  const run = async (name: string, send: () => Promise<unknown>) => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    arrivals = [];
    ok = 0;
    rejected = 0;
    counting = false;
    const t0 = performance.now();
    setTimeout(() => {
      counting = true;
    }, learnMs);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (performance.now() - t0 < ms) await send().catch(() => undefined);
      }),
    );
    const seconds = (ms - learnMs) / 1000;
    rows.push(
      `| ${name} | ${(ok / seconds).toFixed(1)}/s | ${((100 * rejected) / Math.max(1, ok + rejected)).toFixed(1)}% |`,
    );
    return { rate: ok / seconds, share: rejected / Math.max(1, ok + rejected) };
  };
  const call = async () => {
    const r = await fetch(server.url);
    await r.arrayBuffer();
    return r;
  };
  try {
    const adaptive = createRateLimiter({ adaptive: true, concurrency: 8 });
    const result = await run('Brace adaptive (learns the limit from 429s)', () =>
      adaptive.schedule(async () => adaptive.observe(await call(), { key: 'default' })),
    );
    const guessHigh = createRateLimiter({
      policies: [{ limit: 100, intervalMs: 1000 }],
      concurrency: 8,
    });
    await run('Brace configured at a guessed 100/s (too high), no observe', () =>
      guessHigh.schedule(() => call()),
    );
    const pq = new PQueue({ concurrency: 8, intervalCap: 100, interval: 1000 });
    await run('p-queue at a guessed 100/s', () => pq.add(() => call()));
    target(
      SUITE,
      'adaptive mode against an unadvertised 50/s: >= 90% of the limit, <= 2% rejected after the first 10 s',
      `${result.rate.toFixed(1)}/s, ${(100 * result.share).toFixed(1)}% rejected over ${((ms - learnMs) / 1000).toFixed(0)} s after ${(learnMs / 1000).toFixed(0)} s of learning`,
      result.rate >= 45 && result.share <= 0.02,
    );
  } finally {
    await server.close();
  }
  return [
    `#### Adaptive: a provider allowing 50/s in a rolling second and advertising nothing (${(ms / 1000).toFixed(0)} s each, measured after ${(learnMs / 1000).toFixed(0)} s)`,
    '',
    '| limiter | successes | rejected |',
    '|---|---:|---:|',
    ...rows,
    '',
  ];
}

export default suite;
