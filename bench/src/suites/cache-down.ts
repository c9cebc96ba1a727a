// @brace/cache with the origin down: the latency of stale answers per failure mode (connection
// refused on a closed loopback port, timeout against a loopback server that never answers, 503,
// breaker open), and the transport's own time to fail, the floor of a cache that asks it on
// every GET. Used by the cache suite.
import { createCache } from '@brace/cache';
import { cachedFetch } from '@brace/cache/fetch';
import type { SuiteContext } from '../suite.js';
import { target } from '../targets.js';
import { jsonBody, loopback } from '../util.js';

const SUITE = 'cache';
const BODY = jsonBody(2048);
/** The deadline of one origin attempt in the timeout mode. */
const TIMEOUT_MS = 50;

interface Latencies {
  p50: number;
  p99: number;
  max: number;
}

/** Latency percentiles (ms) of `n` sequential calls, `gapMs` apart (real time passes: the down window expires and probes run). */
async function latencies(
  n: number,
  gapMs: number,
  call: () => Promise<unknown>,
): Promise<Latencies> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    samples.push(performance.now() - t0);
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { p50: at(0.5), p99: at(0.99), max: samples[samples.length - 1] as number };
}

const ms = (x: number) => `${x.toFixed(3)} ms`;

/** Runs the origin-down workloads; returns Markdown for the report. */
export async function originDown(ctx: SuiteContext): Promise<string> {
  const n = ctx.smoke ? 40 : 1500;
  const gapMs = ctx.smoke ? 0 : 1;
  type Mode = 'up' | 'refused' | 'hang' | '503' | 'breaker';
  let mode = 'up' as Mode;
  let hang = false;
  const server = await loopback((_req, res) => {
    if (hang) return; // never answers: the client's deadline fires
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=1' });
    res.end(BODY);
  });
  const closed = await loopback(() => {});
  const refusedBase = closed.url;
  await closed.close();
  const lines: string[] = [];
  try {
    let offset = 0;
    const clock = { now: () => Date.now() + offset, sleep: async () => {} };
    let originCalls = 0;
    const inner = (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
      originCalls++;
      const url = String(input instanceof Request ? input.url : input);
      if (mode === 'refused') return fetch(url.replace(server.url, refusedBase), init);
      if (mode === '503') return Promise.resolve(new Response('down', { status: 503 }));
      if (mode === 'hang') return fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
      return fetch(url, init);
    };
    const make = (originDownMs?: number) => {
      const cache = createCache({
        clock,
        staleIfErrorMs: 86_400_000,
        originBlocked: () => (mode === 'breaker' ? 'breaker-open' : undefined),
        ...(originDownMs === undefined ? {} : { originDownMs }),
      });
      return cachedFetch(cache, { fetch: inner });
    };
    const url = `${server.url}item`;

    // The transport alone: how long fetch takes to fail against a closed loopback port.
    const raw = await latencies(n, gapMs, () => fetch(`${refusedBase}item`).catch(() => undefined));

    const rows: Array<[string, Mode, number | undefined, boolean]> = [
      ['connection refused (closed loopback port)', 'refused', undefined, true],
      [
        `timeout (loopback server never answers, ${TIMEOUT_MS} ms deadline)`,
        'hang',
        undefined,
        true,
      ],
      ['503 from the origin', '503', undefined, true],
      ['breaker open (`originBlocked`)', 'breaker', undefined, true],
      ['connection refused, `originDownMs: 0` (no memory)', 'refused', 0, false],
    ];
    lines.push(
      '#### origin down: stale answers',
      '',
      `Each row: one cache primed with a 2 KB answer (max-age=1, stale-if-error 1 day), the clock moved past its freshness, then ${n} sequential GETs ${gapMs} ms apart (real time: the down window expires and background probes run). Default options unless the row says otherwise. The first row below the table is the transport's own time to fail.`,
      '',
      '| origin down | answers stale | origin calls | p50 | p99 | max |',
      '|---|---|---:|---:|---:|---:|',
    );
    for (const [what, m, originDownMs, isTarget] of rows) {
      const get = make(originDownMs);
      mode = 'up';
      hang = false;
      offset = 0;
      await (await get(url)).text();
      offset = 10_000;
      mode = m;
      hang = m === 'hang';
      originCalls = 0;
      let stale = 0;
      const l = await latencies(n, gapMs, async () => {
        const r = await get(url);
        if (r.headers.get('brace-cache')?.startsWith('stale')) stale++;
        await r.arrayBuffer();
      });
      lines.push(
        `| ${what} | ${stale}/${n} | ${originCalls} | ${ms(l.p50)} | ${ms(l.p99)} | ${ms(l.max)} |`,
      );
      if (isTarget) {
        target(
          SUITE,
          `origin down (${what}): every GET served stale and marked, p99 ≤ 5 ms`,
          `${stale}/${n} stale, p99 ${ms(l.p99)}, ${originCalls} origin calls`,
          stale === n && l.p99 <= 5 && (m !== 'breaker' || originCalls === 0),
        );
      }
    }
    hang = false;
    lines.push(
      '',
      `Floor: \`fetch()\` alone against the closed port failed in p50 ${ms(raw.p50)}, p99 ${ms(raw.p99)}, max ${ms(raw.max)} over ${n} calls. A cache that asks the transport on every GET cannot answer faster than that (the \`originDownMs: 0\` row); with the default \`originDownMs\` (1 s) only the first failure and one background probe per half second reach the transport.`,
      '',
    );
  } finally {
    hang = false;
    await server.close();
  }
  return lines.join('\n');
}
