import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  addIssueFindings,
  type DriftObservation,
  DriftWalker,
  diffKeys,
  MAX_DRIFT_DEPTH,
  MAX_FINDINGS_PER_PAYLOAD,
} from './drift.js';
import { compileShape, shapeOf } from './shape.js';
import type { StandardSchemaV1 } from './standard-schema.js';

function drift(schema: StandardSchemaV1, value: unknown, includeValues = false) {
  const walker = new DriftWalker(includeValues);
  walker.walk(compileShape(schema), value);
  return walker.findings.map((f) => [f.kind, f.path, f.expected, f.received, f.value]);
}

describe('drift walk on zod 4 schemas', () => {
  const Item = z.object({ sku: z.string(), qty: z.int(), note: z.string().optional() });
  const Order = z.object({
    id: z.string(),
    status: z.enum(['open', 'paid']),
    kind: z.literal('order'),
    items: z.array(Item),
    meta: z.record(z.string(), z.number()),
    coupon: z.string().nullable(),
    total: z.number().default(0),
    shipped: z.boolean().catch(false),
    at: z.iso.datetime().transform((s) => new Date(s)),
    extra: z.looseObject({ a: z.string() }),
    strict: z.strictObject({ b: z.number() }),
    rest: z.object({}).catchall(z.number()),
    'odd key': z.null(),
  });
  const ok = {
    id: 'o1',
    status: 'open',
    kind: 'order',
    items: [{ sku: 'a', qty: 1 }],
    meta: { x: 1 },
    coupon: null,
    shipped: true,
    at: '2024-01-01T00:00:00Z',
    extra: { a: 'x', more: 1 },
    strict: { b: 1 },
    rest: { n: 1 },
    'odd key': null,
  };

  it('finds nothing in a conforming payload', () => {
    expect(drift(Order, ok)).toEqual([]);
    expect(Order.safeParse(ok).success).toBe(true);
  });

  it('finds unknown keys, missing fields, type and enum changes, with JSON paths', () => {
    const drifted = {
      ...ok,
      status: 'refunded',
      kind: 5,
      items: [
        { sku: 'a', qty: '1', colour: 'red' },
        { sku: 'b', qty: 2, colour: 'blue' },
      ],
      meta: { x: 'one' },
      coupon: 7,
      extra: { more: 1 },
      strict: { b: 1, c: 2 },
      rest: { n: 'x' },
      'odd key': 1,
      newField: true,
    };
    delete (drifted as Record<string, unknown>).id;
    expect(drift(Order, drifted)).toEqual([
      ['enum', '$.status', 'enum', 'string', undefined],
      ['type', '$.kind', 'enum', 'number', undefined],
      ['type', '$.items[*].qty', 'number', 'string', undefined],
      ['unknown-key', '$.items[*].colour', undefined, undefined, undefined],
      ['unknown-key', '$.items[*].colour', undefined, undefined, undefined],
      ['type', '$.meta[*]', 'number', 'string', undefined],
      ['type', '$.coupon', 'string|null', 'number', undefined],
      ['missing', '$.extra.a', undefined, undefined, undefined],
      ['unknown-key', '$.strict.c', undefined, undefined, undefined],
      ['type', '$.rest.n', 'number', 'string', undefined],
      ['type', '$["odd key"]', 'null', 'number', undefined],
      ['unknown-key', '$.newField', undefined, undefined, undefined],
      ['missing', '$.id', undefined, undefined, undefined],
    ]);
  });

  it('includes values only when asked', () => {
    expect(drift(z.object({ s: z.enum(['a']) }), { s: 'secret' })).toEqual([
      ['enum', '$.s', 'enum', 'string', undefined],
    ]);
    expect(drift(z.object({ s: z.enum(['a']) }), { s: 'secret' }, true)).toEqual([
      ['enum', '$.s', 'enum', 'string', 'secret'],
    ]);
  });

  it('reports wrong container types', () => {
    const S = z.object({
      a: z.array(z.string()),
      r: z.record(z.string(), z.string()),
      o: z.object({}),
    });
    expect(drift(S, { a: {}, r: [], o: 'x' })).toEqual([
      ['type', '$.a', 'array', 'object', undefined],
      ['type', '$.r', 'object', 'array', undefined],
      ['type', '$.o', 'object', 'string', undefined],
    ]);
  });

  it('follows discriminated unions and plain unions', () => {
    const Event = z.discriminatedUnion('type', [
      z.object({ type: z.literal('a'), x: z.number() }),
      z.object({ type: z.literal('b'), y: z.string() }),
    ]);
    expect(drift(Event, { type: 'b', y: 's', z: 1 })).toEqual([
      ['unknown-key', '$.z', undefined, undefined, undefined],
    ]);
    expect(drift(Event, { type: 'c' })).toEqual([['enum', '$.type', 'enum', 'string', undefined]]);
    expect(drift(Event, { y: 1 })).toEqual([
      ['missing', '$.type', undefined, undefined, undefined],
    ]);
    const U = z.union([z.string(), z.object({ a: z.number() }), z.array(z.number())]);
    expect(drift(U, 's')).toEqual([]);
    expect(drift(U, { a: 1, b: 2 })).toEqual([
      ['unknown-key', '$.b', undefined, undefined, undefined],
    ]);
    expect(drift(U, true)).toEqual([['type', '$', 'string|object|array', 'boolean', undefined]]);
    const Two = z.union([z.object({ a: z.number() }), z.object({ b: z.number() })]);
    expect(drift(Two, { c: 1 })).toEqual([]);
    expect(drift(z.union([z.any(), z.number()]), 'x')).toEqual([]);
    expect(drift(z.union([z.enum(['x']), z.number()]), 'x')).toEqual([]);
    expect(drift(z.union([z.record(z.string(), z.number()), z.string()]), { a: 'x' })).toEqual([
      ['type', '$[*]', 'number', 'string', undefined],
    ]);
  });

  it('handles recursive schemas and stops at the depth limit', () => {
    const Node = z.object({
      id: z.number(),
      get children() {
        return z.array(Node);
      },
    });
    let deep: Record<string, unknown> = { id: 1, children: [], x: 1 };
    for (let i = 0; i < MAX_DRIFT_DEPTH * 2; i++) deep = { id: i, children: [deep] };
    const findings = drift(Node, deep);
    expect(findings).toEqual([]);
    expect(drift(Node, { id: 1, children: [{ id: 2, children: [], x: 1 }] })).toEqual([
      ['unknown-key', '$.children[*].x', undefined, undefined, undefined],
    ]);
  });

  it('caps findings per payload', () => {
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]));
    expect(drift(z.object({}), many)).toHaveLength(MAX_FINDINGS_PER_PAYLOAD);
    expect(
      drift(
        z.array(z.string()),
        Array.from({ length: 200 }, () => 1),
      ),
    ).toHaveLength(MAX_FINDINGS_PER_PAYLOAD);
  });

  it('treats schemas it cannot read as anything', () => {
    expect(drift(z.object({ d: z.date(), l: z.lazy(() => z.string()) }), { d: 1, l: 2 })).toEqual(
      [],
    );
    expect(drift(z.object({ a: z.string() }).catchall(z.any()), { a: 'x', b: 1 })).toEqual([]);
  });

  it('never throws on arbitrary JSON and stays within the cap', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const value = JSON.parse(text);
        for (const schema of [Item, Order, z.array(Item), z.record(z.string(), Item)]) {
          expect(drift(schema, value).length).toBeLessThanOrEqual(MAX_FINDINGS_PER_PAYLOAD);
        }
      }),
    );
  });

  it('zod-valid payloads with no extra keys have no findings', () => {
    fc.assert(
      fc.property(
        fc.record(
          { sku: fc.string(), qty: fc.integer(), note: fc.option(fc.string(), { nil: undefined }) },
          {
            requiredKeys: ['sku', 'qty'],
          },
        ),
        (item) => {
          expect(Item.safeParse(item).success).toBe(true);
          expect(drift(Item, item)).toEqual([]);
        },
      ),
    );
  });
});

describe('drift walk on valibot schemas', () => {
  const User = v.object({
    id: v.number(),
    name: v.pipe(v.string(), v.minLength(1)),
    role: v.picklist(['admin', 'member']),
    tier: v.enum({ Free: 'free', Pro: 'pro' }),
    kind: v.literal('user'),
    nick: v.optional(v.string()),
    bio: v.nullish(v.string()),
    avatar: v.nullable(v.string()),
    ok: v.boolean(),
    nil: v.null(),
    tags: v.array(v.string()),
    scores: v.record(v.string(), v.number()),
    pet: v.variant('type', [
      v.object({ type: v.literal('dog') }),
      v.object({ type: v.literal('cat') }),
    ]),
    any: v.union([v.string(), v.number()]),
    strict: v.strictObject({ a: v.string() }),
    loose: v.looseObject({ a: v.string() }),
    rest: v.objectWithRest({}, v.number()),
    exact: v.exactOptional(v.string()),
    opaque: v.date(),
    nonopt: v.nonOptional(v.optional(v.string())),
  });
  const ok = {
    id: 1,
    name: 'A',
    role: 'admin',
    tier: 'pro',
    kind: 'user',
    avatar: null,
    ok: true,
    nil: null,
    tags: [],
    scores: {},
    pet: { type: 'dog' },
    any: 1,
    strict: { a: 'x' },
    loose: { a: 'x', b: 1 },
    rest: { n: 1 },
    opaque: 'whatever',
    nonopt: 'x',
  };

  it('finds nothing in a conforming payload and drift in a changed one', () => {
    expect(drift(User, ok)).toEqual([]);
    expect(
      drift(User, {
        ...ok,
        id: '1',
        role: 'owner',
        tier: 'gold',
        pet: { type: 'cow' },
        strict: { a: 'x', b: 1 },
        rest: { n: 'x' },
        new: 1,
      }).map((f) => [f[0], f[1]]),
    ).toEqual([
      ['type', '$.id'],
      ['enum', '$.role'],
      ['enum', '$.tier'],
      ['enum', '$.pet.type'],
      ['unknown-key', '$.strict.b'],
      ['type', '$.rest.n'],
      ['unknown-key', '$.new'],
    ]);
  });
});

describe('fallback for other vendors', () => {
  const custom: StandardSchemaV1 = {
    '~standard': { version: 1, vendor: 'custom', validate: (value) => ({ value }) },
  };

  it('compiles to diff and is memoized', () => {
    expect(compileShape(custom)).toEqual({ k: 'diff' });
    expect(shapeOf(custom)).toBe(shapeOf(custom));
  });

  it('diffs raw input keys against validated output keys', () => {
    const findings: DriftObservation[] = [];
    diffKeys(
      { a: 1, b: { c: 1, d: 2 }, list: [{ x: 1, y: 2 }], gone: 1, same: [1] },
      { a: 1, b: { c: 1 }, list: [{ x: 1 }], same: 'transformed' },
      findings,
    );
    expect(findings).toEqual([
      { kind: 'unknown-key', path: '$.b.d' },
      { kind: 'unknown-key', path: '$.list[*].y' },
      { kind: 'unknown-key', path: '$.gone' },
    ]);
    const capped: DriftObservation[] = [];
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    diffKeys(wide, {}, capped);
    expect(capped).toHaveLength(MAX_FINDINGS_PER_PAYLOAD);
    let deep: unknown = {};
    for (let i = 0; i < MAX_DRIFT_DEPTH + 5; i++) deep = { n: deep };
    const none: DriftObservation[] = [];
    diffKeys(deep, deep, none);
    expect(none).toEqual([]);
  });

  it('turns uncovered issues into invalid findings', () => {
    const findings: DriftObservation[] = [{ kind: 'missing', path: '$.a' }];
    addIssueFindings(
      [
        { message: 'required', path: ['a'] },
        { message: 'bad email', path: [{ key: 'users' }, 3, 'email'] },
        { message: 'bad email', path: ['users', 4, 'email'] },
        { message: 'root' },
        { message: 'sym', path: [Symbol.for('s')] },
      ],
      findings,
      true,
    );
    expect(findings).toEqual([
      { kind: 'missing', path: '$.a' },
      { kind: 'invalid', path: '$.users[*].email', value: 'bad email' },
      { kind: 'invalid', path: '$', value: 'root' },
      { kind: 'invalid', path: '$["Symbol(s)"]', value: 'sym' },
    ]);
    const full = Array.from({ length: MAX_FINDINGS_PER_PAYLOAD }, (_, i) => ({
      kind: 'type' as const,
      path: `$.k${i}`,
    }));
    addIssueFindings([{ message: 'x', path: ['z'] }], full, false);
    expect(full).toHaveLength(MAX_FINDINGS_PER_PAYLOAD);
  });
});

describe('DriftWalker leaves', () => {
  it('reports leaf type and enum drift at the field path, nested or not', () => {
    const shape = shapeOf(
      z.object({
        n: z.number(),
        e: z.enum(['a', 'b']),
        a: z.any(),
        inner: z.object({ s: z.string(), e: z.enum(['x']) }),
      }),
    );
    const walker = new DriftWalker(true);
    walker.walk(shape, { n: 'one', e: 'c', a: 1, inner: { s: 2, e: 3 } });
    expect(walker.findings).toEqual([
      { kind: 'type', path: '$.n', expected: 'number', received: 'string', value: 'one' },
      { kind: 'enum', path: '$.e', expected: 'enum', received: 'string', value: 'c' },
      { kind: 'type', path: '$.inner.s', expected: 'string', received: 'number', value: 2 },
      { kind: 'type', path: '$.inner.e', expected: 'enum', received: 'number', value: 3 },
    ]);
    const clean = new DriftWalker(false);
    clean.walk(shape, { n: 1, e: 'a', a: null, inner: { s: 's', e: 'x' } });
    expect(clean.findings).toEqual([]);
  });
});
