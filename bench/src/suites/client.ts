// @brace/client: the integration with every part on, beside (a) bare ky and (b) the plumbing
// floor — ky with a do-nothing hook of every kind the integration installs, a retry option of
// backoffRetry's shape, the same default headers, and the response validated by ky's own
// `.json(User)` — in paired rounds on a loopback server and on an in-process stub fetch. The
// targets are ratios that hold on any machine: Brace's own code over the floor, and createFetch
// against bare fetch.
import { defineIntegration, type IntegrationOptions } from '@brace/client';
import { createFetch } from '@brace/client/fetch';
import ky, { type Options } from 'ky';
import { type Contender, compare, pairedRatio, type WorkloadResult } from '../harness.js';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { loopback, times } from '../util.js';
import {
  everyPart,
  LEAST_WORK_PARTS,
  leastWork,
  leastWorkFetch,
  type PairedRatio,
  pairedCpuRatio,
  plumbing,
} from './client-floor.js';
import { User, user } from './schema-guard.js';

const SUITE = 'client';
const VERSION = { 'api-version': '2026-01-01' };

/**
 * The floor of the fetch form: what any composed `fetch` pays before its parts do anything — the
 * same default headers (version and token) and a per-attempt timeout (a controller and a timer,
 * cleared once the body is read) — with no Brace code.
 */
async function plumbingFetch(url: string): Promise<unknown> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  try {
    const response = await fetch(url, {
      headers: { ...VERSION, authorization: 'Bearer bench-token' },
      signal: controller.signal,
    });
    return await response.json();
  } finally {
    clearTimeout(timer);
  }
}

/** Cost over the floor, from a paired throughput ratio (brace ÷ floor). */
const over = (ratio: number) => `${((1 / ratio - 1) * 100).toFixed(1)}%`;
/** The median cost over, and the middle half of the rounds. */
const overSpread = (r: PairedRatio) =>
  `${over(r.median)} (middle half of ${r.rounds} rounds: ${over(r.high)} to ${over(r.low)})`;
/** The median throughput ratio, and the middle half of the rounds. */
const timesSpread = (r: PairedRatio) =>
  `${times(r.median)} (middle half of ${r.rounds} rounds: ${times(r.low)} to ${times(r.high)})`;

/**
 * Whether a least-work floor leaves room for a target: `'floor-bound'` when even its most
 * favourable quartile misses it (no implementation can meet the target on this machine),
 * `'edge'` when its median misses but the spread reaches it, else `'room'`.
 */
function verdict(
  misses: (ratio: number) => boolean,
  r: PairedRatio,
): 'floor-bound' | 'edge' | 'room' {
  if (misses(r.median) && misses(r.low) && misses(r.high)) return 'floor-bound';
  return misses(r.median) ? 'edge' : 'room';
}

const suite: Suite = async (ctx) => {
  const opts = { rounds: ctx.rounds, roundMs: ctx.roundMs };
  const text = JSON.stringify(user);
  const stub = async (_input: unknown) =>
    new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
  const workloads: WorkloadResult[] = [];
  const parts: string[] = [];

  const run = async (where: string, baseUrl: string, fetchFn: typeof fetch | undefined) => {
    const base: Options = { baseUrl, ...(fetchFn ? { fetch: fetchFn } : {}) };
    const brace = defineIntegration(everyPart(baseUrl, fetchFn));
    const floor = plumbing(base);
    const least = leastWork(base, VERSION);
    const bare = ky.create(base);
    const sanity = await brace.get('users/42').json<{ id: number }>();
    if (sanity.id !== 42) throw new Error('client: the integration returned the wrong value');
    if ((await least.get('users/42').json(User)).id !== 42) {
      throw new Error('client: the least-work floor returned the wrong value');
    }
    const contenders: Contender[] = [
      { name: 'defineIntegration, every part on', fn: () => brace.get('users/42').json() },
      { name: 'floor: ky plumbing + .json(User)', fn: () => floor.get('users/42').json(User) },
      {
        name: "least-work floor: plumbing + every part's unavoidable work",
        fn: () => least.get('users/42').json(User),
      },
      { name: 'bare ky', fn: () => bare.get('users/42').json() },
    ];
    workloads.push(
      await compare(SUITE, `GET users/42 (20-field JSON) ${where}`, contenders, {
        ...opts,
        baseline: 'bare ky',
      }),
    );
    const n = fetchFn ? 400 : 100;
    const pairing = ctx.smoke ? { rounds: 3, n: 10 } : { rounds: ctx.quick ? 21 : 61, n };
    const overFloorWall = await pairedRatio(
      () => brace.get('users/42').json(),
      () => floor.get('users/42').json(User),
      pairing,
    );
    const overFloorCpu = await pairedCpuRatio(
      () => brace.get('users/42').json(),
      () => floor.get('users/42').json(User),
      pairing,
    );
    // The least-work floor beside the plumbing floor: what the plumbing floor leaves out.
    const leastOverFloor = await pairedCpuRatio(
      () => least.get('users/42').json(User),
      () => floor.get('users/42').json(User),
      pairing,
    );
    const overLeast = await pairedCpuRatio(
      () => brace.get('users/42').json(),
      () => least.get('users/42').json(User),
      pairing,
    );
    const overBare = await pairedCpuRatio(
      () => brace.get('users/42').json(),
      () => bare.get('users/42').json(),
      pairing,
    );
    // What each part adds: every part on vs the same integration without that part.
    if (fetchFn) {
      const all = () => brace.get('users/42').json();
      const without: Array<[string, Partial<IntegrationOptions<unknown>>]> = [
        ['cache', { cache: false }],
        ['telemetry', { telemetry: false }],
        ['auth', { auth: undefined }],
        ['rate limit', { rateLimit: false }],
        ['breaker', { breaker: false }],
        ['retries and budget', { retry: false }],
        ['routes (schema guard)', { routes: undefined }],
        ['problem details', { errors: false }],
      ];
      const rows: string[] = [];
      for (const [part, change] of without) {
        const less = defineIntegration({ ...everyPart(baseUrl, fetchFn), ...change });
        const ratio = await pairedCpuRatio(() => less.get('users/42').json(), all, pairing);
        rows.push(`| ${part} | ${((ratio.median - 1) * 100).toFixed(0)}% |`);
      }
      const none = defineIntegration({
        ...everyPart(baseUrl, fetchFn),
        cache: false,
        telemetry: false,
        auth: undefined,
        rateLimit: false,
        breaker: false,
        retry: false,
        routes: undefined,
        errors: false,
        idempotency: false,
      });
      const bareIntegration = await pairedCpuRatio(
        () => none.get('users/42').json(),
        () => floor.get('users/42').json(User),
        pairing,
      );
      parts.push(
        '#### What each part adds (in-process stub, CPU time, paired rounds)',
        '',
        '| part | every part on is this much slower than without it |',
        '|---|---:|',
        ...rows,
        `| (every part off: the integration's own plumbing vs the floor) | ${((1 / bareIntegration.median - 1) * 100).toFixed(0)}% |`,
        '',
      );
    }
    return { overFloor: overFloorCpu, overFloorWall, overBare, leastOverFloor, overLeast };
  };

  const stubRatio = await run(
    'on an in-process stub fetch',
    'http://stub.test/v2/',
    stub as typeof fetch,
  );
  const server = await loopback((_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  });
  let loopRatio: Awaited<ReturnType<typeof run>>;
  let fetchRatio: PairedRatio;
  let fetchRatioWall: number;
  let fetchFloorRatio: PairedRatio;
  let fetchLeastRatio: PairedRatio;
  try {
    const baseUrl = `${server.url}v2/`;
    loopRatio = await run('against a loopback server (node:http, keep-alive)', baseUrl, undefined);
    const composed = createFetch(everyPart(baseUrl, undefined));
    const url = `${baseUrl}users/42`;
    const floorFetch = () => plumbingFetch(url);
    const leastFetch = leastWorkFetch(baseUrl, 'users/42', VERSION);
    const contenders: Contender[] = [
      { name: 'createFetch, every part on', fn: async () => (await composed('users/42')).json() },
      { name: 'floor: fetch + headers + a per-attempt timeout', fn: floorFetch },
      { name: "least-work fetch floor: the floor + every part's unavoidable work", fn: leastFetch },
      { name: 'bare fetch', fn: async () => (await fetch(url)).json() },
    ];
    workloads.push(
      await compare(SUITE, 'fetch form: GET users/42 against a loopback server', contenders, {
        ...opts,
        baseline: 'bare fetch',
      }),
    );
    const fetchPairing = ctx.smoke ? { rounds: 3, n: 10 } : { rounds: ctx.quick ? 21 : 61, n: 100 };
    fetchRatio = await pairedCpuRatio(
      async () => (await composed('users/42')).json(),
      async () => (await fetch(url)).json(),
      fetchPairing,
    );
    fetchFloorRatio = await pairedCpuRatio(
      floorFetch,
      async () => (await fetch(url)).json(),
      fetchPairing,
    );
    fetchLeastRatio = await pairedCpuRatio(
      leastFetch,
      async () => (await fetch(url)).json(),
      fetchPairing,
    );
    fetchRatioWall = await pairedRatio(
      async () => (await composed('users/42')).json(),
      async () => (await fetch(url)).json(),
      fetchPairing,
    );
  } finally {
    await server.close();
  }
  // Beside each target (judged as stated, against the plumbing floor): the least-work floor,
  // with its spread, and whether it leaves the target any room.
  const leastNote = (r: typeof stubRatio, limit: number) => {
    const v = verdict((ratio) => 1 / ratio - 1 > limit, r.leastOverFloor);
    const pct = `${(limit * 100).toFixed(0)}%`;
    const says =
      v === 'floor-bound'
        ? `: over ${pct} in every quartile, so this target is floor-bound — below what any implementation must cost on this machine`
        : v === 'edge'
          ? `: its median is over ${pct} but its spread reaches under it, so this target is at the edge of the floor`
          : '';
    return `; the least-work floor (every part's unavoidable work, no Brace code) is ${overSpread(r.leastOverFloor)} over the plumbing floor${says}; the integration is ${overSpread(r.overLeast)} over the least-work floor`;
  };
  target(
    SUITE,
    "defineIntegration with every part on costs ≤ 5% over ky's plumbing floor against a loopback server",
    `${overSpread(loopRatio.overFloor)} over the floor in CPU time (${times(loopRatio.overFloor.median)} its throughput; ${times(loopRatio.overBare.median)} bare ky), ${over(loopRatio.overFloorWall)} in wall time, paired rounds${leastNote(loopRatio, 0.05)}`,
    loopRatio.overFloor.median >= 1 / 1.05,
  );
  target(
    SUITE,
    "defineIntegration with every part on costs ≤ 15% over ky's plumbing floor on an in-process stub fetch",
    `${overSpread(stubRatio.overFloor)} over the floor in CPU time (${times(stubRatio.overFloor.median)} its throughput; ${times(stubRatio.overBare.median)} bare ky), ${over(stubRatio.overFloorWall)} in wall time, paired rounds${leastNote(stubRatio, 0.15)}`,
    stubRatio.overFloor.median >= 1 / 1.15,
  );
  const fetchVerdict = verdict((ratio) => ratio < 0.9, fetchLeastRatio);
  target(
    SUITE,
    'createFetch with every part on ≥ 0.9× bare fetch against a loopback server',
    `${timesSpread(fetchRatio)} in CPU time, ${times(fetchRatioWall)} in wall time, paired rounds (the fetch floor — the same headers and a per-attempt timeout, no Brace code — ${timesSpread(fetchFloorRatio)} bare fetch; the least-work fetch floor, that floor plus every part's unavoidable work, ${timesSpread(fetchLeastRatio)}${fetchVerdict === 'floor-bound' ? ': under 0.9× in every quartile, so this target is floor-bound — below what any implementation must cost on this machine' : fetchVerdict === 'edge' ? ': its median is under 0.9× but its spread reaches over it, so this target is at the edge of the floor' : ''})`,
    fetchRatio.median >= 0.9,
  );
  return {
    title: 'client',
    workloads,
    extra: [
      'Every part on: `defineIntegration({ version, auth: { token }, rateLimit: { policies: [1e9/s], concurrency: 64 }, routes, cache: {}, telemetry: true })` with its defaults (retries in a 10% budget, breaker, idempotency keys, problem details, drift in warn mode, the deprecation observer); each GET reads `.json()`, validated by the route.',
      '',
      "The floor is ky's own plumbing with no Brace code: a do-nothing hook of every kind the integration installs (`init`, `beforeRequest`, `beforeRetry`, `beforeError`), a retry option of `backoffRetry`'s shape, the same default headers (version and token), and the response validated by ky's own `.json(User)` with the same zod schema — the least a client with every part on can cost. The targets use paired rounds (both back to back, order alternating, the median of the per-round ratios); “over the floor” is floor throughput ÷ integration throughput − 1.",
      '',
      'The fetch floor is what any composed `fetch` pays before its parts do anything, with no Brace code: the same default headers (version and token) and a per-attempt timeout (an `AbortController` and a timer); `createFetch` is judged against bare fetch, as the issue asks, and the floor is printed beside it.',
      '',
      'The least-work floor (printed beside each target; the targets stay judged against the plumbing floor) is the plumbing floor plus the least any implementation must do per successful, uncacheable GET with every part on, inline, no Brace code (`client-floor.ts`):',
      '',
      ...LEAST_WORK_PARTS.map((part) => `- ${part}`),
      '',
      'The cache is on but the answers carry no freshness, so every GET is a cache miss (a lookup, no store): the honest per-call cost of having it on. Telemetry is `true`, with no OpenTelemetry meter: its least work is the rolling window behind `health()` (counters and one latency sample), not OpenTelemetry histograms.',
      '',
      'Each paired figure is the median of its rounds, with the middle half of the rounds (quartiles) beside it. A target is called floor-bound only when the least-work floor misses it in every quartile; at the edge when its median misses but its spread reaches it.',
      '',
      "Targets are judged on CPU-time pairing (see `pairedCpuRatio`): the stub and the loopback server run in this process, so its CPU time is all the work of a call, and other processes on a shared machine mostly drop out. Each side of a round starts on a settled heap (two full collections), so a collection caused by one side's garbage is not charged to the other. The wall-time pairing is printed beside it.",
      '',
      ...parts,
    ].join('\n'),
    libraries: ['ky', 'zod'],
  };
};

export default suite;
