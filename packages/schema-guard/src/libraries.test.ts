// zod, valibot and arktype side by side: every drift kind is found the same way, unknown keys
// whether or not the validator strips them, and no issue or finding carries the input.
import { inspect } from 'node:util';
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type DriftReport, ResponseSchemaError, validateResponse } from './index.js';
import { compileShape } from './shape.js';
import type { StandardSchemaV1 } from './standard-schema.js';

const SECRET = 'sk_live_SECRET_91f3';

const schemas: Array<[string, StandardSchemaV1]> = [
  [
    'zod (strips unknown keys)',
    z.object({
      id: z.number(),
      status: z.enum(['open', 'paid']),
      email: z.email(),
      items: z.array(z.object({ sku: z.string() })),
      note: z.string().optional(),
    }),
  ],
  [
    'valibot (strips unknown keys)',
    v.object({
      id: v.number(),
      status: v.picklist(['open', 'paid']),
      email: v.pipe(v.string(), v.email()),
      items: v.array(v.object({ sku: v.string() })),
      note: v.optional(v.string()),
    }),
  ],
  [
    'arktype (keeps unknown keys)',
    type({
      id: 'number',
      status: "'open' | 'paid'",
      email: 'string.email',
      items: type({ sku: 'string' }).array(),
      'note?': 'string',
    }),
  ],
];

const good = { id: 1, status: 'open', email: 'a@example.com', items: [{ sku: 'A' }] };

function json(body: unknown): Response {
  return Response.json(body);
}

async function findings(schema: StandardSchemaV1, body: unknown) {
  const reports: DriftReport[] = [];
  const outcome = await validateResponse(schema, json(body), {
    mode: 'warn',
    onDrift: (r) => reports.push(r),
  });
  const all = reports.flatMap((r) =>
    r.findings.map((f) => [f.kind, f.path, f.expected ?? null, f.received ?? null]),
  );
  return { outcome, findings: all.sort(), reports };
}

describe.each(schemas)('%s', (_name, schema) => {
  it('is introspected (not the diff fallback)', () => {
    expect(compileShape(schema).k).toBe('object');
  });

  it('a conforming body: no drift', async () => {
    expect((await findings(schema, good)).findings).toEqual([]);
  });

  it('unknown-key: reported even though the validator may keep it', async () => {
    const { findings: f } = await findings(schema, {
      ...good,
      token: SECRET,
      items: [{ sku: 'A', extra: SECRET }],
    });
    expect(f).toEqual([
      ['unknown-key', '$.items[*].extra', null, null],
      ['unknown-key', '$.token', null, null],
    ]);
  });

  it('missing', async () => {
    const { id: _id, ...rest } = good;
    expect((await findings(schema, rest)).findings).toEqual([['missing', '$.id', null, null]]);
  });

  it('type', async () => {
    expect((await findings(schema, { ...good, id: SECRET })).findings).toEqual([
      ['type', '$.id', 'number', 'string'],
    ]);
  });

  it('enum', async () => {
    expect((await findings(schema, { ...good, status: SECRET })).findings).toEqual([
      ['enum', '$.status', 'enum', 'string'],
    ]);
  });

  it('invalid (a format check)', async () => {
    expect((await findings(schema, { ...good, email: SECRET })).findings).toEqual([
      ['invalid', '$.email', null, null],
    ]);
  });

  it('throw mode: issues and findings never carry the input', async () => {
    const body = { ...good, id: SECRET, status: SECRET, email: SECRET, token: SECRET };
    const error = (await validateResponse(schema, json(body)).catch(
      (e: unknown) => e,
    )) as ResponseSchemaError;
    expect(error).toBeInstanceOf(ResponseSchemaError);
    expect(error.issues.map((i) => i.path.join('.')).sort()).toEqual(
      expect.arrayContaining(['email', 'id', 'status']),
    );
    for (const issue of error.issues) expect(issue.message).not.toBe('');
    expect(inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true })).not.toContain(
      SECRET,
    );
    const { reports } = await findings(schema, body);
    expect(JSON.stringify(reports)).not.toContain(SECRET);
  });
});

describe('JSON Schema introspection details', () => {
  it('records, nullable unions, discriminated unions, passing and checked extra keys', async () => {
    const Rec = type({ meta: 'Record<string, number>', maybe: 'number | null' });
    expect((await findings(Rec, { meta: { a: 1, b: SECRET }, maybe: null })).findings).toEqual([
      ['type', '$.meta[*]', 'number', 'string'],
    ]);
    const Event = type({ t: "'x'", a: 'number' }).or({ t: "'y'", b: 'string' });
    expect((await findings(Event, { t: 'z' })).findings).toEqual([
      ['enum', '$.t', 'enum', 'string'],
    ]);
    expect((await findings(Event, { t: 'y', b: 1 })).findings).toEqual([
      ['type', '$.b', 'string', 'number'],
    ]);
    const Loose = type({ id: 'number', '[string]': 'unknown' });
    expect((await findings(Loose, { id: 1, other: SECRET })).findings).toEqual([]);
    const Typed = type({ name: 'string', '[string]': 'string' });
    expect(compileShape(Typed).k).toBe('object');
  });

  it('a vendor with a JSON Schema of its input (Standard JSON Schema), $refs and odd nodes included', () => {
    const jsonSchema = {
      $defs: {
        Node: {
          type: 'object',
          properties: { next: { $ref: '#/$defs/Node' }, v: { type: ['string', 'null'] } },
        },
      },
      type: 'object',
      properties: {
        node: { $ref: '#/$defs/Node' },
        missingRef: { $ref: '#/$defs/Nope' },
        foreignRef: { $ref: 'https://example.com/x' },
        n: { type: 'integer' },
        tuple: { type: 'array', prefixItems: [{ type: 'string' }] },
        odd: { type: 'weird' },
        anything: {},
        choice: { oneOf: [{ type: 'string' }, { type: 'number' }] },
        pattern: { type: 'object', patternProperties: { '^x': { type: 'string' } } },
        extra: { type: 'object', additionalProperties: true },
        checked: {
          type: 'object',
          properties: { a: { type: 'string' } },
          additionalProperties: { type: 'number' },
        },
        mixed: { type: [7] },
        notype: { allOf: [{ type: 'string' }] },
      },
    };
    const vendor = (input: unknown): StandardSchemaV1 =>
      ({
        '~standard': {
          version: 1,
          vendor: 'other',
          validate: (value) => ({ value }),
          jsonSchema: { input: () => input },
        },
      }) as StandardSchemaV1;
    const shape = compileShape(vendor(jsonSchema));
    expect(shape.k).toBe('object');
    if (shape.k !== 'object') return;
    expect(shape.fields.get('node')?.shape.k).toBe('object');
    expect(shape.fields.get('missingRef')?.shape.k).toBe('any');
    expect(shape.fields.get('foreignRef')?.shape.k).toBe('any');
    expect(shape.fields.get('n')?.shape).toEqual({ k: 'prim', t: 'number' });
    expect(shape.fields.get('odd')?.shape.k).toBe('any');
    expect(shape.fields.get('choice')?.shape.k).toBe('union');
    const pattern = shape.fields.get('pattern')?.shape;
    expect(pattern?.k === 'object' && pattern.rest).toBe('pass');
    const extra = shape.fields.get('extra')?.shape;
    expect(extra?.k === 'object' && extra.rest).toBe('pass');
    const checked = shape.fields.get('checked')?.shape;
    expect(checked?.k === 'object' && typeof checked.rest).toBe('object');
    // A vendor whose jsonSchema throws, or returns no object, falls back to comparing output.
    expect(compileShape(vendor('not an object')).k).toBe('diff');
    const throwing = {
      '~standard': {
        version: 1,
        vendor: 'other',
        validate: (value: unknown) => ({ value }),
        jsonSchema: {
          input: () => {
            throw new Error('morph');
          },
        },
      },
    } as StandardSchemaV1;
    expect(compileShape(throwing).k).toBe('diff');
    // `definitions` (draft-07) work too.
    const draft7 = compileShape(
      vendor({ definitions: { A: { type: 'string' } }, $ref: '#/definitions/A' }),
    );
    expect(draft7).toEqual({ k: 'prim', t: 'string' });
  });
});
