// @brace/problem-details: parse throughput, and proof that successful requests pay nothing.
import { parseProblemDetails } from '@brace/problem-details';
import { problemDetailsHooks } from '@brace/problem-details/ky';
import ky from 'ky';
import { compare, pairedRatio, ratio } from '../harness.js';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { jsonBody, times } from '../util.js';

const SUITE = 'problem-details';

/** A typical problem document, as ky 2 has already parsed it into `error.data`. */
const typical = {
  type: 'https://example.com/probs/out-of-credit',
  title: 'You do not have enough credit.',
  status: 403,
  detail: 'Your current balance is 30, but that costs 50.',
  instance: '/account/12345/msgs/abc',
  balance: 30,
  accounts: ['/account/12345', '/account/67890'],
};
/** The smallest one (RFC 9457 §3.1: a bare status). */
const minimal = { status: 404 };

const suite: Suite = async (ctx) => {
  const opts = { rounds: ctx.rounds, roundMs: ctx.roundMs };
  const baseUrl = 'https://api.example.com/account/12345/msgs';
  let sink: unknown;
  const parse = await compare(
    SUITE,
    'parseProblemDetails (already-parsed JSON, as in ky’s beforeError)',
    [
      {
        name: 'typical document, { status, baseUrl }',
        fn: () => {},
        batch: (n) => {
          for (let i = 0; i < n; i++) sink = parseProblemDetails(typical, { status: 403, baseUrl });
        },
      },
      {
        name: 'typical document, no options',
        fn: () => {},
        batch: (n) => {
          for (let i = 0; i < n; i++) sink = parseProblemDetails(typical);
        },
      },
      {
        name: 'minimal { status }',
        fn: () => {},
        batch: (n) => {
          for (let i = 0; i < n; i++) sink = parseProblemDetails(minimal, { status: 404 });
        },
      },
      {
        name: 'JSON.parse of the same document (reference)',
        fn: () => {},
        batch: (n) => {
          const text = JSON.stringify(typical);
          for (let i = 0; i < n; i++) sink = JSON.parse(text);
        },
      },
    ],
    opts,
  );
  void sink;
  const parsesPerSecond = parse.results[0]!.ops.median;
  target(
    SUITE,
    '≥ 1,000,000 parses/s of a typical problem document',
    `${(parsesPerSecond / 1e6).toFixed(2)}M parses/s`,
    parsesPerSecond >= 1e6,
  );

  // Successful requests: bare ky vs ky with the hooks, on an in-process stub fetch.
  const body = jsonBody(2048);
  const stub = async () =>
    new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  const bare = ky.create({ prefix: 'http://stub.test/', fetch: stub, retry: 0 });
  const hooks = problemDetailsHooks();
  // Count every call into Brace's hooks during the successful requests: the proof that a 2xx
  // runs no Brace code is that this stays 0.
  let hookCalls = 0;
  const counted = Object.fromEntries(
    Object.entries(hooks).map(([name, list]) => [
      name,
      (list as Array<(...args: unknown[]) => unknown>).map((hook) => (...args: unknown[]) => {
        hookCalls++;
        return hook(...args);
      }),
    ]),
  );
  const withHooks = ky.create({
    prefix: 'http://stub.test/',
    fetch: stub,
    retry: 0,
    hooks: counted,
  });
  const control = ky.create({ prefix: 'http://stub.test/', fetch: stub, retry: 0 });
  const success = await compare(
    SUITE,
    'successful GET (200, 2 KB JSON) on a stub fetch: bare ky vs ky with problemDetailsHooks()',
    [
      { name: 'ky + problemDetailsHooks()', fn: () => withHooks.get('users/1').json() },
      { name: 'bare ky', fn: () => bare.get('users/1').json() },
      {
        name: 'bare ky, a second identical client (noise control)',
        fn: () => control.get('users/1').json(),
      },
    ],
    { ...opts, baseline: 'bare ky' },
  );
  // ky itself charges for a non-empty `hooks` option (it merges every hook list per request),
  // whatever the hook does: a client with a do-nothing beforeError hook isolates that cost.
  const noopHook = ky.create({
    prefix: 'http://stub.test/',
    fetch: stub,
    retry: 0,
    hooks: { beforeError: [({ error }) => error] },
  });
  const pairing = ctx.smoke ? { rounds: 3, n: 20 } : { rounds: ctx.quick ? 21 : 61, n: 500 };
  const paired = await pairedRatio(
    () => withHooks.get('users/1').json(),
    () => noopHook.get('users/1').json(),
    pairing,
  );
  const pairedBare = await pairedRatio(
    () => withHooks.get('users/1').json(),
    () => bare.get('users/1').json(),
    pairing,
  );
  const hookNames = Object.keys(hooks).filter(
    (k) => (hooks as unknown as Record<string, unknown[]>)[k]!.length > 0,
  );
  const noise = ratio(success, 'bare ky, a second identical client (noise control)');
  // Structural proof: only a beforeError hook exists, and no hook ran during thousands of
  // successful requests. Measured: in paired rounds (back to back, median of the per-round
  // ratios) the hooked client is within noise (≥ 0.95×) of a ky client with a do-nothing
  // beforeError hook, i.e. Brace adds nothing to what any ky hook costs.
  target(
    SUITE,
    'successful requests pay nothing for the hook (only beforeError is installed; 2xx GET ≈ bare ky within noise)',
    `hooks installed: ${hookNames.join(', ')}; Brace hook calls during the 2xx runs: ${hookCalls}; 2xx GET ${times(paired)} a ky client with a do-nothing beforeError hook, in paired rounds (vs bare ky ${times(pairedBare)}: ky's own per-request merging of a hooks option; an identical bare client in the table: ${times(noise)})`,
    hookNames.length === 1 && hookNames[0] === 'beforeError' && hookCalls === 0 && paired >= 0.95,
  );

  return {
    title: 'problem-details',
    workloads: [parse, success],
    extra: `Hooks returned by \`problemDetailsHooks()\`: \`${hookNames.join(', ')}\` only; a successful response never reaches Brace code (${hookCalls} hook calls counted over every successful request above), so the difference above is noise. The target line uses paired rounds (two clients back to back, median of the per-round ratios), which cancel noise that hits a whole round, and compares with a ky client holding a do-nothing \`beforeError\` hook: ky merges every hook list of the options on each request, so any non-empty \`hooks\` option costs a little over bare ky before a hook runs.`,
    libraries: ['ky'],
  };
};

export default suite;
