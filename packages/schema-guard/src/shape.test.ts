import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { conforms } from './conforms.js';
import { DriftWalker, MAX_DRIFT_DEPTH } from './drift.js';
import { compileShape, type Shape } from './shape.js';
import type { StandardSchemaV1 } from './standard-schema.js';

const many = Array.from({ length: 12 }, (_, i) => `v${i}`) as [string, ...string[]];

const Rich = z.object({
  s: z.string(),
  n: z.number(),
  b: z.boolean(),
  nil: z.null(),
  e: z.enum(['a', 'b', 'c']),
  big: z.enum(many),
  opt: z.string().optional(),
  optEnum: z.enum(['x', 'y']).optional(),
  maybe: z.number().nullable(),
  tags: z.array(z.string()),
  anyItems: z.array(z.any()),
  kinds: z.array(z.enum(['p', 'q'])),
  nested: z.array(z.object({ id: z.number(), sub: z.object({ ok: z.boolean() }).optional() })),
  rec: z.record(z.string(), z.number()),
  loose: z.looseObject({ a: z.string() }),
  rest: z.object({ a: z.string() }).catchall(z.number()),
  pick: z.discriminatedUnion('t', [
    z.object({ t: z.literal('one'), x: z.number() }),
    z.object({ t: z.literal('two'), y: z.string() }),
  ]),
  either: z.union([z.object({ a: z.string() }), z.object({ b: z.string() }), z.string()]),
  listOrText: z.union([z.array(z.number()), z.record(z.string(), z.string()), z.literal(7)]),
  whatever: z.unknown(),
});

const validRich = fc.record(
  {
    s: fc.string(),
    n: fc.double({ noNaN: true }),
    b: fc.boolean(),
    nil: fc.constant(null),
    e: fc.constantFrom('a', 'b', 'c'),
    big: fc.constantFrom(...many),
    opt: fc.string(),
    optEnum: fc.constantFrom('x', 'y'),
    maybe: fc.option(fc.integer(), { nil: null }),
    tags: fc.array(fc.string(), { maxLength: 3 }),
    anyItems: fc.array(fc.jsonValue(), { maxLength: 3 }),
    kinds: fc.array(fc.constantFrom('p', 'q'), { maxLength: 3 }),
    nested: fc.array(
      fc.record(
        { id: fc.integer(), sub: fc.record({ ok: fc.boolean() }) },
        { requiredKeys: ['id'] },
      ),
      { maxLength: 3 },
    ),
    rec: fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 3 }),
    loose: fc.record({ a: fc.string(), extra: fc.jsonValue() }, { requiredKeys: ['a'] }),
    rest: fc.record({ a: fc.string(), k: fc.integer() }, { requiredKeys: ['a'] }),
    pick: fc.oneof(
      fc.record({ t: fc.constant('one'), x: fc.integer() }),
      fc.record({ t: fc.constant('two'), y: fc.string() }),
    ),
    either: fc.oneof(fc.record({ a: fc.string() }), fc.record({ b: fc.string() }), fc.string()),
    listOrText: fc.oneof(
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 2 }), fc.string(), { maxKeys: 2 }),
      fc.constant(7),
    ),
    whatever: fc.jsonValue(),
  },
  {
    requiredKeys: [
      's',
      'n',
      'b',
      'nil',
      'e',
      'big',
      'maybe',
      'tags',
      'anyItems',
      'kinds',
      'nested',
      'rec',
      'loose',
      'rest',
      'pick',
      'either',
      'listOrText',
    ],
  },
);

/** Valid payloads, some with one field replaced by any JSON value, some with extra keys. */
const payload = fc
  .tuple(
    validRich,
    fc.option(
      fc.tuple(fc.constantFrom(...Object.keys(Rich.shape)), fc.jsonValue({ maxDepth: 2 })),
      { freq: 1 },
    ),
    fc.option(
      fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
    ),
    fc.option(fc.constantFrom(...Object.keys(Rich.shape)), { freq: 1 }),
  )
  .map(([base, replace, extra, drop]) => {
    const out: Record<string, unknown> = { ...base };
    if (replace !== null) out[replace[0]] = replace[1];
    if (drop !== null) delete out[drop];
    if (extra !== null)
      for (const [k, x] of Object.entries(extra)) if (k !== '__proto__') out[k] = x;
    return JSON.parse(JSON.stringify(out)) as unknown;
  });

function findings(shape: Shape, value: unknown, full: boolean) {
  const walker = new DriftWalker(true);
  if (full) walker.walkFully(shape, value);
  else walker.walk(shape, value);
  return walker.findings;
}

describe('conforms (the no-drift fast path)', () => {
  it('agrees with the full walk on payloads with and without drift, cache cold and warm', () => {
    const shape = compileShape(Rich as StandardSchemaV1);
    let clean = 0;
    fc.assert(
      fc.property(payload, (value) => {
        const expected = findings(shape, value, true);
        // Twice: the first call may fill the key-order cache, the second uses it.
        for (let round = 0; round < 2; round++) {
          expect(conforms(shape, value, 0)).toBe(expected.length === 0);
          expect(findings(shape, value, false)).toEqual(expected);
        }
        if (expected.length === 0) clean++;
      }),
      { numRuns: 400 },
    );
    expect(clean).toBeGreaterThan(20);
  });

  it('uses the cached key order and still finds drift in a payload of the same order', () => {
    const shape = compileShape(Rich as StandardSchemaV1);
    const base = fc.sample(validRich, { numRuns: 1, seed: 7 })[0] as Record<string, unknown>;
    const ok = JSON.parse(JSON.stringify({ ...base, s: 'x', e: 'a', opt: undefined }));
    expect(conforms(shape, ok, 0)).toBe(true);
    expect(conforms(shape, ok, 0)).toBe(true);
    expect(conforms(shape, { ...ok, s: 1 }, 0)).toBe(false);
    expect(conforms(shape, { ...ok, e: 'z' }, 0)).toBe(false);
    expect(conforms(shape, { ...ok, opt: undefined }, 0)).toBe(true);
    expect(conforms(shape, { ...ok, s: undefined }, 0)).toBe(false);
  });

  it('handles roots that are leaves, unions, pass-through objects and very wide payloads', () => {
    expect(conforms(compileShape(z.enum(['a'])), 'a', 0)).toBe(true);
    expect(conforms(compileShape(z.enum(['a'])), 'b', 0)).toBe(false);
    expect(conforms(compileShape(z.number()), 1, 0)).toBe(true);
    expect(conforms(compileShape(z.null()), null, 0)).toBe(true);
    expect(conforms(compileShape(z.any()), Symbol('x'), 0)).toBe(true);
    expect(conforms(compileShape(z.literal(Number.NaN)), Number.NaN, 0)).toBe(true);
    expect(conforms(compileShape(z.record(z.string(), z.number())), [], 0)).toBe(false);
    expect(conforms(compileShape(z.object({})), [], 0)).toBe(false);
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    const loose = compileShape(z.looseObject({ a: z.string() }));
    for (let round = 0; round < 2; round++) {
      expect(conforms(loose, { ...wide, a: 'x' }, 0)).toBe(true);
      expect(conforms(loose, { ...wide }, 0)).toBe(false);
    }
    const pick = compileShape(
      z.discriminatedUnion('t', [z.object({ t: z.literal('a') }), z.object({ t: z.literal('b') })]),
    );
    expect(conforms(pick, { t: 'c' }, 0)).toBe(false);
    expect(conforms(pick, { t: 'b' }, 0)).toBe(true);
    const vb = compileShape(v.object({ s: v.string(), o: v.optional(v.number()) }));
    expect(conforms(vb, { s: 'x' }, 0)).toBe(true);
    expect(conforms(vb, { s: 'x', o: 'y' }, 0)).toBe(false);
  });

  it('stops at the drift depth limit like the walk does', () => {
    type Node = { next?: Node };
    const Node: z.ZodType<Node> = z.lazy(() => z.object({ next: Node.optional() }));
    const Root = z.object({ next: z.object({ next: z.any() }) });
    let deep: Node = {};
    for (let i = 0; i < MAX_DRIFT_DEPTH + 5; i++) deep = { next: deep };
    expect(conforms(compileShape(Root), deep, 0)).toBe(true);
    expect(conforms(compileShape(z.array(z.string())), [1], MAX_DRIFT_DEPTH + 1)).toBe(true);
  });
});
