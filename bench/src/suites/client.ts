// The whole client: requests per second through the fully composed Brace ky client vs bare ky
// vs bare fetch, on an in-process stub fetch and on a loopback server, plus what each part
// costs on its own.
import { createCircuitBreaker, createRetryBudget } from '@brace/backoff';
import { backoffHooks, backoffRetry } from '@brace/backoff/ky';
import { composeHooks, type HooksLike } from '@brace/core';
import { idempotencyHooks } from '@brace/idempotency/ky';
import { problemDetailsHooks } from '@brace/problem-details/ky';
import { createRateLimiter } from '@brace/rate-limit';
import { rateLimitHooks } from '@brace/rate-limit/ky';
import { schemaGuardHooks } from '@brace/schema-guard/ky';
import ky, { type KyInstance, type Options } from 'ky';
import { type Contender, compare, pairedRatio, type WorkloadResult } from '../harness.js';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { loopback, nsOf, times, us } from '../util.js';
import { routes, User, user } from './schema-guard.js';

const SUITE = 'client';
const VALIDATED_FLOOR =
  'ky plumbing alone, with the response validated by ky’s own .json(User) (no Brace code)';

interface Part {
  name: string;
  options: () => Options;
}

/** Every Brace part, each built fresh (limiters, budgets and breakers are stateful). */
const parts: Part[] = [
  {
    name: 'backoff (backoffRetry + backoffHooks with budget and breaker)',
    options: () => {
      const budget = createRetryBudget();
      const breaker = createCircuitBreaker();
      return { retry: backoffRetry({ budget }), hooks: backoffHooks({ budget, breaker }) };
    },
  },
  {
    name: 'rate-limit (rateLimitHooks, 1e9/s policy, concurrency 64)',
    options: () => ({
      hooks: rateLimitHooks(
        createRateLimiter({
          policies: [{ limit: 1_000_000_000, intervalMs: 1000 }],
          concurrency: 64,
        }),
      ) as Options['hooks'],
    }),
  },
  { name: 'idempotency (idempotencyHooks)', options: () => ({ hooks: idempotencyHooks() }) },
  { name: 'schema-guard (schemaGuardHooks)', options: () => ({ hooks: schemaGuardHooks(routes) }) },
  {
    name: 'problem-details (problemDetailsHooks)',
    options: () => ({ hooks: problemDetailsHooks() }),
  },
];

/** The fully composed Brace client. */
function braceClient(base: Options): KyInstance {
  const built = parts.map((p) => p.options());
  const retry = built.find((o) => o.retry !== undefined)?.retry;
  const hooks = composeHooks(...built.map((o) => o.hooks as HooksLike | undefined));
  return ky.create({ ...base, ...(retry ? { retry } : {}), hooks: hooks as Options['hooks'] });
}

const suite: Suite = async (ctx) => {
  const opts = { rounds: ctx.rounds, roundMs: ctx.roundMs };
  const text = JSON.stringify(user);
  const stub = async (_input: unknown) =>
    new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
  const workloads: WorkloadResult[] = [];
  const lines: string[] = [];

  const run = async (where: string, prefix: string, fetchFn: typeof fetch | undefined) => {
    const base: Options = { prefix, ...(fetchFn ? { fetch: fetchFn } : {}) };
    const brace = braceClient(base);
    const bare = ky.create(base);
    const url = `${prefix}users/42`;
    const direct = fetchFn ?? fetch;
    const sanity = (await brace.get('users/42').json()) as { id: number };
    if (sanity.id !== 42) throw new Error('client: composed client returned the wrong value');
    const contenders: Contender[] = [
      { name: 'Brace, every part composed', fn: () => brace.get('users/42').json() },
      { name: 'bare ky', fn: () => bare.get('users/42').json() },
      { name: 'bare fetch', fn: async () => (await direct(new Request(url))).json() },
    ];
    const w = await compare(SUITE, `GET users/42 (20-field JSON) ${where}`, contenders, {
      ...opts,
      baseline: 'bare ky',
    });
    workloads.push(w);

    // Each part alone on bare ky.
    const each: Contender[] = [{ name: 'bare ky', fn: () => bare.get('users/42').json() }];
    for (const part of parts) {
      const o = part.options();
      const client = ky.create({ ...base, ...o });
      each.push({ name: part.name, fn: () => client.get('users/42').json() });
    }
    // The floor ky itself sets: a do-nothing hook of every kind the composed client uses, and
    // a retry option of the same shape as backoffRetry's, with no Brace code at all.
    const plumbing = ky.create({
      ...base,
      retry: {
        limit: 3,
        methods: ['get', 'put', 'head', 'delete', 'options', 'trace', 'query', 'post', 'patch'],
        delay: () => 0,
        shouldRetry: () => false,
      },
      hooks: {
        init: [() => {}],
        beforeRequest: [() => {}],
        beforeRetry: [() => {}],
        beforeError: [({ error }) => error],
      },
    });
    each.push({
      name: 'ky plumbing alone: do-nothing init, beforeRequest, beforeRetry and beforeError hooks + a retry option shaped like backoffRetry’s',
      fn: () => plumbing.get('users/42').json(),
    });
    each.push({ name: VALIDATED_FLOOR, fn: () => plumbing.get('users/42').json(User) });
    each.push({ name: 'Brace, every part composed', fn: () => brace.get('users/42').json() });
    const perHook = await compare(SUITE, `each part alone ${where}`, each, {
      ...opts,
      baseline: 'bare ky',
    });
    const bareNs = nsOf(perHook, 'bare ky');
    lines.push(
      `#### What each part costs on its own, ${where}`,
      '',
      '| ky client | per GET | added over bare ky | vs bare ky (throughput) |',
      '|---|---:|---:|---:|',
      ...perHook.results.map(
        (r) =>
          `| ${r.name} | ${us(r.nsPerOp)} | ${r.name === 'bare ky' ? '—' : `${r.nsPerOp - bareNs >= 0 ? '+' : ''}${us(r.nsPerOp - bareNs)}`} | ${times(bareNs / r.nsPerOp)} |`,
      ),
      '',
    );
    // The target: paired rounds (composed and bare ky back to back, median of the per-round
    // throughput ratios), which cancel noise that hits a whole round.
    const n = fetchFn ? 400 : 100;
    const pairing = ctx.smoke ? { rounds: 3, n: 10 } : { rounds: ctx.quick ? 21 : 61, n };
    const composed = await pairedRatio(
      () => brace.get('users/42').json(),
      () => bare.get('users/42').json(),
      pairing,
    );
    const floor = await pairedRatio(
      () => plumbing.get('users/42').json(),
      () => bare.get('users/42').json(),
      pairing,
    );
    // The same plumbing with the response validated by ky itself (`.json(User)`): the least a
    // client with every hook on can cost, since schema-guard's validation is part of "every hook".
    const validatedFloor = await pairedRatio(
      () => plumbing.get('users/42').json(User),
      () => bare.get('users/42').json(),
      pairing,
    );
    return { composed, floor, validatedFloor };
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
  let loopRatio: { composed: number; floor: number; validatedFloor: number };
  try {
    loopRatio = await run(
      'against a loopback server (node:http, keep-alive)',
      `${server.url}v2/`,
      undefined,
    );
  } finally {
    await server.close();
  }
  target(
    SUITE,
    'the fully composed Brace ky client, every hook on, ≥ 0.9× bare ky against a loopback server',
    `${times(loopRatio.composed)} in paired rounds (ky's own plumbing for the same kinds of hook and retry option, with no Brace code: ${times(loopRatio.floor)}; that plumbing with the response validated by ky's own .json(User): ${times(loopRatio.validatedFloor)})`,
    loopRatio.composed >= 0.9,
  );
  target(
    SUITE,
    'the fully composed Brace ky client, every hook on, ≥ 0.6× bare ky on an in-process stub fetch',
    `${times(stubRatio.composed)} in paired rounds (ky's own plumbing alone: ${times(stubRatio.floor)}; with ky's own .json(User): ${times(stubRatio.validatedFloor)})`,
    stubRatio.composed >= 0.6,
  );
  return {
    title: 'client',
    workloads,
    extra: [
      'The target lines use paired rounds: the composed client and bare ky back to back, the median of the per-round ratios. They also give the same measure for “ky plumbing alone”, a ky client with a do-nothing hook of every kind the composed client installs and a retry option of backoffRetry’s shape: what ky charges for carrying hooks before any Brace code runs (it copies the options of each request for `init` hooks, wraps each `beforeRequest` hook in its total-timeout race, merges every hook list and normalizes the retry option on each request). The last figure in each line adds the one piece of work “every hook on” cannot skip, validating the 20-field response, done by ky’s own `.json(User)` with the same zod schema: the least such a client can cost without any Brace code. The composed client is `ky.create({ retry: backoffRetry({ budget }), hooks: composeHooks(backoffHooks({ budget, breaker }), rateLimitHooks(limiter), idempotencyHooks(), schemaGuardHooks(routes), problemDetailsHooks()) })`; each GET reads `.json()` (validated by schema-guard in the Brace client). Both ky clients keep ky’s default 10 s timeout.',
      '',
      ...lines,
    ].join('\n'),
    libraries: ['ky', 'zod'],
  };
};

export default suite;
