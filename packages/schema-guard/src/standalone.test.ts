import { manualClock } from '@brace/core';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createDriftDeduper,
  createSchemaGuard,
  type DriftReport,
  defineRoutes,
  RequestSchemaError,
  ResponseSchemaError,
  type StandardSchemaV1,
  UnmatchedRouteError,
  validateBody,
  validateResponse,
} from './index.js';

const User = z.object({ id: z.number(), name: z.string(), tags: z.array(z.string()).default([]) });
const json = (body: unknown, status = 200) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });

describe('validateResponse', () => {
  it('returns the validated output of a fetch Response', async () => {
    expect(await validateResponse(User, json({ id: 1, name: 'A' }))).toEqual({
      id: 1,
      name: 'A',
      tags: [],
    });
  });

  it('takes an axios-style { status, data }', async () => {
    expect(await validateResponse(User, { status: 200, data: { id: 1, name: 'A' } })).toEqual({
      id: 1,
      name: 'A',
      tags: [],
    });
    await expect(validateResponse(User, { status: 200, data: {} })).rejects.toBeInstanceOf(
      ResponseSchemaError,
    );
  });

  it('throws ResponseSchemaError by default, body only with includeBody', async () => {
    const error = (await validateResponse(User, json({ id: 'x', name: 'secret' }), {
      label: 'GET /me',
    }).catch((e: unknown) => e)) as ResponseSchemaError;
    expect(error).toBeInstanceOf(ResponseSchemaError);
    expect(error.route).toBe('GET /me');
    expect(error.body).toBeUndefined();
    expect(error.message).toContain('GET /me');
    expect(error.message).toContain('$.id');
    expect(error.message).not.toContain('secret');
    const withBody = (await validateResponse(User, json({ id: 'x' }), {
      includeBody: true,
    }).catch((e: unknown) => e)) as ResponseSchemaError;
    expect(withBody.body).toBe('{"id":"x"}');
    expect(withBody.route).toBeUndefined();
    expect(withBody.message).toContain('2 issues');
  });

  it('summarizes many issues in the message', async () => {
    const Wide = z.object(
      Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, z.string()])),
    );
    const error = (await validateResponse(Wide, json({})).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('and 3 more');
  });

  it('warn mode returns the raw JSON and reports drift', async () => {
    const reports: DriftReport[] = [];
    const clock = manualClock({ now: 5 });
    const raw = { id: 'x', name: 'A', extra: 1 };
    expect(
      await validateResponse(User, json(raw), {
        mode: 'warn',
        onDrift: (r) => reports.push(r),
        clock,
      }),
    ).toEqual(raw);
    expect(reports).toEqual([
      {
        route: '(unlabelled)',
        status: 200,
        valid: false,
        findings: [
          {
            kind: 'type',
            path: '$.id',
            expected: 'number',
            received: 'string',
            count: 1,
            firstSeen: 5,
          },
          { kind: 'unknown-key', path: '$.extra', count: 1, firstSeen: 5 },
        ],
      },
    ]);
  });

  it('collapses record keys in issue findings: no key in a report, one drift per window', async () => {
    const reports: DriftReport[] = [];
    const dedupe = createDriftDeduper({ clock: manualClock({ now: 0 }) });
    const Scores = z.object({
      scores: z.record(z.string(), z.number().int()),
      byTeam: z.record(z.string(), z.array(z.object({ n: z.number().int() }))),
      tiers: z.object({}).catchall(z.record(z.string(), z.number().int())),
    });
    for (const key of ['alice@example.com', 'bob@example.com', 'carol@example.com']) {
      await validateResponse(
        Scores,
        {
          status: 200,
          data: {
            scores: { [key]: 1.5 },
            byTeam: { [key]: [{ n: 0.5 }] },
            tiers: { gold: { [key]: 0.5 } },
          },
        },
        { mode: 'warn', dedupe, onDrift: (r) => reports.push(r) },
      );
    }
    expect(JSON.stringify(reports)).not.toContain('example.com');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.findings.map((f) => [f.kind, f.path])).toEqual([
      ['invalid', '$.scores[*]'],
      ['invalid', '$.byTeam[*][*].n'],
      ['invalid', '$.tiers.gold[*]'],
    ]);
  });

  it('deduplicates with a deduper and survives throwing or rejecting callbacks', async () => {
    const dedupe = createDriftDeduper();
    let calls = 0;
    const onDrift = () => {
      calls++;
      throw new Error('boom');
    };
    for (let i = 0; i < 3; i++) {
      await validateResponse(User, json({ id: 1, name: 'A', x: 1 }), {
        dedupe,
        onDrift,
        label: 'L',
      });
    }
    expect(calls).toBe(1);
    await validateResponse(User, json({ id: 1, name: 'A', y: 1 }), {
      onDrift: async () => {
        throw new Error('async boom');
      },
    });
  });

  it('handles empty, non-JSON and oversized bodies', async () => {
    await expect(validateResponse(User, json(''))).rejects.toBeInstanceOf(ResponseSchemaError);
    expect(await validateResponse(z.undefined(), json(''))).toBeUndefined();
    const notJson = (await validateResponse(User, json('<html>'), { includeBody: true }).catch(
      (e: unknown) => e,
    )) as ResponseSchemaError;
    expect(notJson.issues).toEqual([{ message: 'The body is not valid JSON', path: [] }]);
    expect(notJson.body).toBe('<html>');
    await expect(validateResponse(User, json('<html>'), { mode: 'warn' })).rejects.toBeInstanceOf(
      SyntaxError,
    );
    const reports: DriftReport[] = [];
    const big = { id: 1, name: 'x'.repeat(100) };
    await expect(validateResponse(User, json(big), { maxBodyLength: 50 })).rejects.toMatchObject({
      issues: [{ message: expect.stringContaining('maxBodyLength'), path: [] }],
    });
    expect(
      await validateResponse(User, json(big), {
        maxBodyLength: 50,
        mode: 'warn',
        onDrift: (r) => reports.push(r),
      }),
    ).toEqual(big);
    expect(reports[0]?.findings).toMatchObject([{ kind: 'invalid', path: '$' }]);
  });

  it('rebuilds issue messages from the schema side (they may quote values) unless includeValues', async () => {
    const V = v.object({ token: v.literal('ok') });
    const hidden = (await validateResponse(V, json({ token: 'sk_live_123' })).catch(
      (e: unknown) => e,
    )) as ResponseSchemaError;
    expect(JSON.stringify(hidden.issues)).not.toContain('sk_live_123');
    expect(hidden.issues[0]?.message).toBe('expected "ok"');
    const shown = (await validateResponse(V, json({ token: 'sk_live_123' }), {
      includeValues: true,
    }).catch((e: unknown) => e)) as ResponseSchemaError;
    expect(shown.issues[0]?.message).toContain('sk_live_123');
    const custom: StandardSchemaV1 = {
      '~standard': { version: 1, vendor: 'x', validate: () => ({ issues: [{ message: 'v=1' }] }) },
    };
    const e = (await validateResponse(custom, json({})).catch(
      (x: unknown) => x,
    )) as ResponseSchemaError;
    expect(e.issues).toEqual([{ message: 'is invalid', path: [] }]);
  });
});

describe('validateBody', () => {
  const NewUser = z.object({ name: z.string().min(1) });

  it('returns the output or throws RequestSchemaError', async () => {
    expect(await validateBody(NewUser, { name: 'A', extra: 1 } as never)).toEqual({ name: 'A' });
    const error = (await validateBody(NewUser, { name: '' }, { label: 'POST /users' }).catch(
      (e: unknown) => e,
    )) as RequestSchemaError;
    expect(error).toBeInstanceOf(RequestSchemaError);
    expect(error.route).toBe('POST /users');
    expect(error.issues[0]?.path).toEqual(['name']);
    expect(error.message).toContain('POST /users');
    const one = (await validateBody(NewUser, {} as never).catch((e: unknown) => e)) as Error;
    expect(one.message).toContain('1 issue at $.name');
  });

  it('supports async schemas', async () => {
    const Async = z.object({ n: z.number() }).refine(async (x) => x.n > 0);
    expect(await validateBody(Async, { n: 1 })).toEqual({ n: 1 });
    await expect(validateBody(Async, { n: 0 })).rejects.toBeInstanceOf(RequestSchemaError);
  });
});

describe('createSchemaGuard (fetch users)', () => {
  const routes = defineRoutes({
    'GET /users/:id': { response: User, errors: { 404: z.object({ title: z.string() }) } },
    'POST /users': { body: z.object({ name: z.string() }) },
    'GET /raw': {},
  });

  it('matches URLs relative to baseUrl and checks bodies and responses', async () => {
    const g = createSchemaGuard(routes, { baseUrl: 'https://api.test/v2/', strict: true });
    const match = g.match('GET', 'https://api.test/v2/users/1?x=1');
    expect(match?.route).toBe('GET /users/:id');
    expect(g.mode).toBe('throw');
    expect(g.checkResponse(match!, 200, '{"id":1,"name":"A"}')).toEqual({
      id: 1,
      name: 'A',
      tags: [],
    });
    expect(g.checkResponseValue(match!, 200, { id: 1, name: 'A' })).toEqual({
      id: 1,
      name: 'A',
      tags: [],
    });
    expect(g.checkResponse(match!, 404, '{"title":"x","y":1}')).toEqual({ title: 'x' });
    expect(g.checkResponseValue(match!, 404, { bad: 1 })).toEqual({ bad: 1 });
    expect(g.checkResponse(match!, 500, '{"a":1}')).toEqual({ a: 1 });
    expect(g.checkResponseValue(match!, 500, 'x')).toBe('x');
    const post = g.match('POST', '/v2/users')!;
    expect(g.checkBody(post, { name: 'A', x: 1 })).toEqual({ name: 'A' });
    expect(() => g.checkBody(post, {})).toThrow(RequestSchemaError);
    const raw = g.match('GET', 'https://api.test/v2/raw')!;
    expect(g.checkBody(raw, 'anything')).toBe('anything');
    expect(g.checkResponse(raw, 200, '')).toBeUndefined();
    expect(() => g.match('GET', 'https://api.test/v2/nope')).toThrow(UnmatchedRouteError);
    const long = `/${'x'.repeat(300)}`;
    expect(() => g.match('GET', long)).toThrow(/…/);
  });
});
