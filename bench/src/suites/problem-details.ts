// @brace/problem-details: parse throughput, and proof that successful requests pay nothing.
import { parseProblemDetails } from '@brace/problem-details';
import { problemDetailsHooks } from '@brace/problem-details/ky';
import ky from 'ky';
import { compare, ratio } from '../harness.js';
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
  const withHooks = ky.create({ prefix: 'http://stub.test/', fetch: stub, retry: 0, hooks });
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
  const hookNames = Object.keys(hooks).filter(
    (k) => (hooks as unknown as Record<string, unknown[]>)[k]!.length > 0,
  );
  const r = ratio(success, 'ky + problemDetailsHooks()');
  const noise = ratio(success, 'bare ky, a second identical client (noise control)');
  // Structural proof: only a beforeError hook exists, so a 2xx response runs no Brace code.
  // Measured: the hooked client must be within the run's noise, i.e. no further from bare ky
  // than an identical bare client is (and never below 0.9×).
  const within = r >= Math.min(0.95, noise - 0.03) && r >= 0.9;
  target(
    SUITE,
    'successful requests pay nothing for the hook (only beforeError is installed; 2xx GET ≈ bare ky within noise)',
    `hooks installed: ${hookNames.join(', ')}; 2xx GET ${times(r)} bare ky (an identical bare client: ${times(noise)})`,
    hookNames.length === 1 && hookNames[0] === 'beforeError' && within,
  );

  return {
    title: 'problem-details',
    workloads: [parse, success],
    extra: `Hooks returned by \`problemDetailsHooks()\`: \`${hookNames.join(', ')}\` only; a successful response never reaches Brace code, so the difference above is noise.`,
    libraries: ['ky'],
  };
};

export default suite;
