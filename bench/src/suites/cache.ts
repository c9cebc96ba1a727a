// @brace/cache: the cost of a fresh hit (in-process stub origin), against axios-cache-interceptor
// and undici's cache interceptor on the same workload in the same run, and against the floor of
// any fetch-compatible cache (a Map lookup + `new Response(bytes, { status, headers })`); and the
// latency of stale answers while the origin is down (cache-down.ts).
import { createCache } from '@brace/cache';
import { cachedFetch } from '@brace/cache/fetch';
import axios from 'axios';
import { setupCache } from 'axios-cache-interceptor';
import { Agent, interceptors, fetch as undiciFetch, request as undiciRequest } from 'undici';
import { compare, pairedRatio } from '../harness.js';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { jsonBody, loopback, nsOf, times, us } from '../util.js';
import { originDown } from './cache-down.js';

const SUITE = 'cache';
const BODY = jsonBody(2048);
const HEADERS = { 'content-type': 'application/json', 'cache-control': 'max-age=3600' };
const FLOOR = 'floor: Map.get + new Response(bytes, { status, headers })';

/**
 * CPU time (ns) per operation of each function: `rounds` rounds of `n` operations each,
 * interleaved (the order rotates), the median over rounds after one warm-up round.
 */
async function cpuPerOp<K extends string>(
  fns: Record<K, () => Promise<unknown>>,
  rounds: number,
  n: number,
): Promise<Record<K, number>> {
  const names = Object.keys(fns) as K[];
  const samples = new Map<K, number[]>(names.map((k) => [k, []]));
  for (let round = 0; round <= rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + round) % names.length] as K;
      const fn = fns[name];
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) await fn();
      const used = process.cpuUsage(c0);
      if (round > 0) samples.get(name)?.push(((used.user + used.system) * 1000) / n);
    }
  }
  const out = {} as Record<K, number>;
  for (const [name, list] of samples) {
    list.sort((a, b) => a - b);
    out[name] = list[list.length >> 1] as number;
  }
  return out;
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

    // The floor: the least any fetch-compatible cache does on a hit. The same bytes and the same
    // header list Brace answers with (the stored headers, age, date and the reason), prebuilt.
    const floorBytes = new TextEncoder().encode(BODY);
    const floorMap = new Map([[url, floorBytes]]);
    const floorHeaders: Array<[string, string]> = [
      ...Object.entries(HEADERS),
      ['age', '0'],
      ['date', new Date().toUTCString()],
      ['brace-cache', 'fresh'],
    ];
    const floor = () =>
      new Response(floorMap.get(hitRequest.url) as Uint8Array<ArrayBuffer>, {
        status: 200,
        headers: floorHeaders,
      });

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
          name: FLOOR,
          fn: async () => {
            sink += floor().status;
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
    // The target in CPU time per hit (this process's user + system time, which other processes'
    // load inflates far less than wall time), Brace, the floor and the stub interleaved round by
    // round; medians over rounds.
    const cpu = await cpuPerOp(
      {
        brace: async () => {
          sink += (await cache.handle(hitRequest, stub)).status;
        },
        floor: async () => {
          sink += floor().status;
        },
        stub: async () => {
          sink += (await stub()).status;
        },
      },
      ctx.smoke ? 3 : 21,
      ctx.smoke ? 20 : 2000,
    );
    const floorNs = nsOf(hit, FLOOR);
    const figures = `${us(cpu.brace)} CPU per hit (floor ${us(cpu.floor)}, Brace ${times(cpu.brace / cpu.floor)} the floor, ≈ ${us(cpu.brace - cpu.floor)} over it; the stub alone ${us(cpu.stub)}, so a hit costs ${us(cpu.brace - cpu.stub)} more than calling the stub); wall time ${us(core)} median, ${us(best('Brace cache.handle(request) → Response'))} best round (floor ${us(floorNs)}, ${us(best(FLOOR))})`;
    target(
      SUITE,
      'fresh hit ≤ 5 µs over an in-process stub (cache.handle)',
      cpu.floor > 5000 ? `blocked: floor ${us(cpu.floor)}; ${figures}` : figures,
      cpu.brace <= 5000,
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

    lines.push(await originDown(ctx));
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
