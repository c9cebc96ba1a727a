// @brace/schema-guard: a guarded GET vs ky's own `.json(schema)` with the same zod schema on a
// stub fetch, and what drift detection costs next to validation.
import { createSchemaGuard, defineRoutes } from '@brace/schema-guard';
import { schemaGuardHooks, schemaGuardOptions } from '@brace/schema-guard/ky';
import ky from 'ky';
import { z } from 'zod';
import { compare, pairedRatio, type WorkloadResult } from '../harness.js';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { nsOf, times, us } from '../util.js';

const SUITE = 'schema-guard';

/** A 20-field object (DESIGN.md's zod anchor: ~0.75 µs per parse). */
export const User = z.object({
  id: z.number(),
  name: z.string(),
  email: z.string(),
  role: z.enum(['admin', 'member', 'viewer']),
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  age: z.number(),
  country: z.string(),
  city: z.string(),
  zip: z.string(),
  street: z.string(),
  phone: z.string(),
  company: z.string(),
  title: z.string(),
  score: z.number(),
  tags: z.array(z.string()),
  plan: z.enum(['free', 'pro', 'enterprise']),
  verified: z.boolean(),
  locale: z.string(),
});

export const user = {
  id: 42,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  role: 'admin',
  active: true,
  createdAt: '2024-01-01T00:00:00Z',
  updatedAt: '2024-06-01T00:00:00Z',
  age: 36,
  country: 'GB',
  city: 'London',
  zip: 'W1',
  street: '12 St James’s Square',
  phone: '+44 20 0000 0000',
  company: 'Analytical Engines Ltd',
  title: 'Countess',
  score: 99.5,
  tags: ['math', 'poetry', 'engines'],
  plan: 'pro',
  verified: true,
  locale: 'en-GB',
};

export const routes = defineRoutes({ 'GET /users/:id': { response: User } });

const suite: Suite = async (ctx) => {
  const opts = { rounds: ctx.rounds, roundMs: ctx.roundMs };
  const text = JSON.stringify(user);
  const stub = async () =>
    new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
  const base = { prefix: 'http://stub.test/v2/', fetch: stub, retry: 0 } as const;
  const bare = ky.create(base);
  const guarded = ky.create({ ...base, hooks: schemaGuardHooks(routes) });
  const guardedOptions = ky.create({
    ...base,
    ...schemaGuardOptions(routes, { baseUrl: base.prefix }),
  });
  // ky's own floor for the hooks form: the same GET with a no-op `init` hook and ky's
  // .json(User). ky 2.2 copies (and re-normalises the headers of) the options of every
  // request that has an init hook, whatever the hook does.
  const noopInit = ky.create({ ...base, hooks: { init: [() => undefined] } });
  const guardedDrift = ky.create({
    ...base,
    hooks: schemaGuardHooks(routes, { mode: 'warn', onDrift: () => undefined }),
  });
  // Sanity: the guarded client returns the validated object.
  const check = (await guarded.get('users/42').json()) as { id: number };
  if (check.id !== 42) throw new Error('schema-guard: guarded GET returned the wrong value');

  const get = await compare(
    SUITE,
    'GET returning a 20-field object on a stub fetch: guarded vs ky’s own .json(schema), same zod schema',
    [
      { name: 'schemaGuardHooks(routes): .json()', fn: () => guarded.get('users/42').json() },
      {
        name: 'schemaGuardOptions(routes) (no init hook): .json()',
        fn: () => guardedOptions.get('users/42').json(),
      },
      {
        name: 'schemaGuardHooks + onDrift (drift detection on)',
        fn: () => guardedDrift.get('users/42').json(),
      },
      { name: 'ky .json(User)', fn: () => bare.get('users/42').json(User) },
      { name: 'ky .json() unvalidated', fn: () => bare.get('users/42').json() },
    ],
    { ...opts, baseline: 'ky .json(User)' },
  );
  // The target: paired rounds (guarded and ky's .json(User) back to back, median of the
  // per-round time ratios), which cancel noise that hits a whole round.
  const pairing = ctx.smoke ? { rounds: 3, n: 20 } : { rounds: ctx.quick ? 21 : 61, n: 400 };
  // pairedRatio(a, b) is time(b) ÷ time(a): here the guarded GET's time over ky's.
  const hooksTime = await pairedRatio(
    () => bare.get('users/42').json(User),
    () => guarded.get('users/42').json(),
    pairing,
  );
  const optionsTime = await pairedRatio(
    () => bare.get('users/42').json(User),
    () => guardedOptions.get('users/42').json(),
    pairing,
  );
  const initFloor = await pairedRatio(
    () => bare.get('users/42').json(User),
    () => noopInit.get('users/42').json(User),
    pairing,
  );
  const guardedNs = nsOf(get, 'schemaGuardHooks(routes): .json()');
  const kyNs = nsOf(get, 'ky .json(User)');
  target(
    SUITE,
    'a guarded GET costs ≤ 1.1× ky’s own .json(schema) with the same zod schema',
    `${initFloor > 1.1 ? `blocked: floor ${times(initFloor)} (ky’s own cost of a no-op init hook on .json(User)); ` : ''}${times(hooksTime)} the time with schemaGuardHooks in paired rounds (ky floor, a no-op init hook: ${times(initFloor)}; schemaGuardOptions, no init hook: ${times(optionsTime)}; table medians ${us(guardedNs)} vs ${us(kyNs)})`,
    hooksTime <= 1.1,
  );

  // Drift detection vs validation, without ky: the guard's own check on parsed JSON.
  const plain = createSchemaGuard(routes);
  const drifting = createSchemaGuard(routes, { mode: 'warn', onDrift: () => undefined });
  const match = plain.match('GET', '/users/42')!;
  const driftMatch = drifting.match('GET', '/users/42')!;
  const extra = { ...user, nickname: 'Ada', address: { line1: 'x' } }; // two unknown keys
  let sink: unknown;
  const drift = await compare(
    SUITE,
    'validation vs validation + drift detection (parsed JSON, 20-field object)',
    [
      {
        name: 'zod User.safeParse (validation alone)',
        fn: () => {},
        batch: (n) => {
          for (let i = 0; i < n; i++) sink = User.safeParse(user);
        },
      },
      {
        name: 'guard.checkResponseValue, no onDrift',
        fn: () => {},
        batch: (n) => {
          for (let i = 0; i < n; i++) sink = plain.checkResponseValue(match, 200, user);
        },
      },
      {
        name: 'guard.checkResponseValue + drift detection, no drift',
        fn: () => {},
        batch: (n) => {
          for (let i = 0; i < n; i++) sink = drifting.checkResponseValue(driftMatch, 200, user);
        },
      },
      {
        name: 'guard.checkResponseValue + drift detection, 2 unknown keys (deduplicated)',
        fn: () => {},
        batch: (n) => {
          for (let i = 0; i < n; i++) sink = drifting.checkResponseValue(driftMatch, 200, extra);
        },
      },
    ],
    { ...opts, baseline: 'zod User.safeParse (validation alone)' },
  );
  void sink;
  const validation = nsOf(drift, 'guard.checkResponseValue, no onDrift');
  const withDrift = nsOf(drift, 'guard.checkResponseValue + drift detection, no drift');
  const withFindings = nsOf(
    drift,
    'guard.checkResponseValue + drift detection, 2 unknown keys (deduplicated)',
  );
  const addedRatio = (withDrift - validation) / validation;
  target(
    SUITE,
    'drift detection adds ≤ 1.5× the validation time',
    `adds ${times(addedRatio)} the validation time (validation ${us(validation)}, with drift detection ${us(withDrift)} = ${times(withDrift / validation)} in total; with 2 drifting keys ${us(withFindings)})`,
    addedRatio <= 1.5,
  );
  const workloads: WorkloadResult[] = [get, drift];
  return {
    title: 'schema-guard',
    workloads,
    extra:
      'The guarded-GET target is measured in paired rounds (the guarded client and ky’s `.json(User)` back to back, median of the per-round time ratios). `schemaGuardOptions` is the same guard as ky options (a `parseJson`) instead of an `init` hook: ky copies the options of every request that has an `init` hook, which is most of the difference between the two forms. The floor is ky’s `.json(User)` with a no-op `init` hook, in paired rounds against the same call without it: what any `init` hook costs under this ky, before the guard does anything.\n\n“Adds ≤ 1.5× the validation time” is read literally: (time with drift detection − time without) ÷ time without ≤ 1.5; the line also gives the total ratio.',
    libraries: ['ky', 'zod'],
  };
};

export default suite;
