// @brace/cache: the cost of a fresh hit (in-process stub origin), against axios-cache-interceptor
// and undici's cache interceptor on the same workload in the same run; and the latency of stale
// answers while the origin is down (connection refused, 503, breaker open).
import { createCache } from '@brace/cache';
import { cachedFetch } from '@brace/cache/fetch';
import axios from 'axios';
import { setupCache } from 'axios-cache-interceptor';
import { Agent, interceptors, fetch as undiciFetch, request as undiciRequest } from 'undici';
import { compare, pairedRatio } from '../harness.js';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { jsonBody, loopback, nsOf, times, us } from '../util.js';

const SUITE = 'cache';
const BODY = jsonBody(2048);
const HEADERS = { 'content-type': 'application/json', 'cache-control': 'max-age=3600' };

/** Latency percentiles (ms) of `n` sequential calls. */
async function latencies(
  n: number,
  call: () => Promise<unknown>,
): Promise<{ p50: number; p99: number; max: number }> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { p50: at(0.5), p99: at(0.99), max: samples[samples.length - 1] as number };
}

const suite: Suite = async (ctx) => {
  const opts = { rounds: ctx.rounds, roundMs: ctx.roundMs };
  const server = await loopback((_req, res) => {
    res.writeHead(200, HEADERS);
    res.end(BODY);
  });
  const url = `${server.url}item`;
  const lines: string[] = [];
  try {
    // Brace: the core over an in-process stub origin (never called on a hit).
    const cache = createCache();
    const stub = async () => new Response(BODY, { headers: HEADERS });
    const hitRequest = new Request(url);
    await (await cache.handle(hitRequest, stub)).text();
    const get = cachedFetch(createCache(), { fetch: stub });
    await (await get(url)).text();

    // axios-cache-interceptor (axios' http adapter to the loopback server; a hit never reaches it).
    const aci = setupCache(axios.create());
    await aci.get(url);
    // undici's cache interceptor (a hit never reaches the server).
    const dispatcher = new Agent().compose(interceptors.cache());
    await (await undiciRequest(url, { dispatcher })).body.text();

    let sink = 0;
    const hit = await compare(
      SUITE,
      'fresh hit of a 2 KB JSON answer (origin never called)',
      [
        {
          name: 'Brace cache.handle(request) → Response',
          fn: async () => {
            const r = await cache.handle(hitRequest, stub);
            sink += r.status;
          },
        },
        {
          name: 'Brace cachedFetch(url) + .text()',
          fn: async () => {
            sink += (await (await get(url)).text()).length;
          },
        },
        {
          name: 'axios-cache-interceptor api.get(url) (data already parsed)',
          fn: async () => {
            sink += (await aci.get(url)).status;
          },
        },
        {
          name: 'undici cache interceptor fetch(url, { dispatcher }) + .text()',
          fn: async () => {
            sink += (await (await undiciFetch(url, { dispatcher })).text()).length;
          },
        },
        {
          name: 'undici cache interceptor request(url) + body.text()',
          fn: async () => {
            sink += (await (await undiciRequest(url, { dispatcher })).body.text()).length;
          },
        },
      ],
      {
        ...opts,
        note: 'Every contender answers from its cache: the loopback origin is not called during the rounds.',
      },
    );
    const core = nsOf(hit, 'Brace cache.handle(request) → Response');
    const full = nsOf(hit, 'Brace cachedFetch(url) + .text()');
    const aciNs = nsOf(hit, 'axios-cache-interceptor api.get(url) (data already parsed)');
    const undiciNs = nsOf(hit, 'undici cache interceptor request(url) + body.text()');
    const best = (name: string) => 1e9 / (hit.results.find((r) => r.name === name)?.ops.max ?? 1);
    target(
      SUITE,
      'fresh hit ≤ 5 µs over an in-process stub (cache.handle)',
      `${us(core)} median, ${us(best('Brace cache.handle(request) → Response'))} best round`,
      core <= 5000,
    );
    // "Ahead of": paired rounds (each round runs Brace and the peer back to back), so load on
    // the machine hits both sides of a pair alike.
    const braceHit = async () => {
      sink += (await (await get(url)).text()).length;
    };
    const paired = { rounds: ctx.smoke ? 3 : 15, n: ctx.smoke ? 20 : 300 };
    const vsAci = await pairedRatio(
      braceHit,
      async () => {
        sink += (await aci.get(url)).status;
      },
      paired,
    );
    const vsUndiciFetch = await pairedRatio(
      braceHit,
      async () => {
        sink += (await (await undiciFetch(url, { dispatcher })).text()).length;
      },
      paired,
    );
    const vsUndiciRequest = await pairedRatio(
      braceHit,
      async () => {
        sink += (await (await undiciRequest(url, { dispatcher })).body.text()).length;
      },
      paired,
    );
    target(
      SUITE,
      'fresh hit ahead of axios-cache-interceptor and undici’s cache interceptor through fetch (cachedFetch + text, paired rounds)',
      `${times(vsAci)} axios-cache-interceptor’s throughput, ${times(vsUndiciFetch)} undici fetch’s (medians ${us(full)}, ${us(aciNs)}, ${us(nsOf(hit, 'undici cache interceptor fetch(url, { dispatcher }) + .text()'))})`,
      vsAci > 1 && vsUndiciFetch > 1,
    );
    lines.push(
      `Beside undici’s lower-level \`request()\` API with the cache interceptor (a Node stream body, not a fetch \`Response\`), Brace’s \`cachedFetch\` + \`.text()\` had ${times(vsUndiciRequest)} its throughput on paired rounds (median ${us(undiciNs)} per hit). Information only: the issue’s target compares like with like (fetch).`,
      '',
    );

    // Origin down: every GET with a stale entry is answered stale; latency of those answers.
    const n = ctx.smoke ? 50 : 2000;
    let now = Date.now();
    const clock = { now: () => now, sleep: async () => {} };
    const down = createCache({ clock, staleIfErrorMs: 86_400_000 });
    const fresh = async () =>
      new Response(BODY, { headers: { ...HEADERS, 'cache-control': 'max-age=1' } });
    await (await down.handle(new Request(url), fresh)).text();
    now += 10_000;
    const refused = await loopback(() => {});
    const refusedUrl = refused.url;
    await refused.close();
    const cases: Array<[string, () => Promise<Response>]> = [
      ['connection refused (real loopback port)', () => fetch(refusedUrl)],
      ['503 from a stub origin', async () => new Response('down', { status: 503 })],
      [
        'circuit breaker open (CIRCUIT_OPEN thrown before the call)',
        async () => {
          throw Object.assign(new Error('open'), { code: 'CIRCUIT_OPEN' });
        },
      ],
    ];
    lines.push('| origin down | answers stale | p50 | p99 | max |', '|---|---|---|---|---|');
    for (const [what, origin] of cases) {
      let stale = 0;
      const l = await latencies(n, async () => {
        const r = await down.handle(new Request(url), origin);
        if (r.headers.get('brace-cache')?.startsWith('stale')) stale++;
        await r.arrayBuffer();
      });
      lines.push(
        `| ${what} | ${stale}/${n} | ${l.p50.toFixed(3)} ms | ${l.p99.toFixed(3)} ms | ${l.max.toFixed(3)} ms |`,
      );
      target(
        SUITE,
        `origin down (${what}): every GET served stale, p99 ≤ 5 ms`,
        `${stale}/${n} stale, p99 ${l.p99.toFixed(3)} ms`,
        stale === n && l.p99 <= 5,
      );
    }
    void sink;
    return {
      title: 'cache',
      workloads: [hit],
      extra: lines.join('\n'),
      libraries: ['axios', 'axios-cache-interceptor', 'undici', 'http-cache-semantics'],
    };
  } finally {
    await server.close();
  }
};

export default suite;
