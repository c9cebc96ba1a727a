import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { manualClock } from '@brace/core';
import ky, { HTTPError } from 'ky';
import * as v from 'valibot';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type DriftReport,
  defineRoutes,
  RequestSchemaError,
  ResponseSchemaError,
  SchemaGuardOptionError,
  UnmatchedRouteError,
} from './index.js';
import { guard, schemaGuardHooks, schemaGuardOptions } from './ky.js';

interface Seen {
  method: string;
  url: string;
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let payload: unknown;
let status = 200;

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    seen.push({ method: req.method ?? '', url: req.url ?? '', body });
    if (req.url?.includes('/echo')) {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(body);
      return;
    }
    if (req.url?.includes('/empty')) {
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.close();
  await once(server, 'close');
});

beforeEach(() => {
  seen.length = 0;
  status = 200;
  payload = { id: 1, name: 'Ada', role: 'admin' };
});

const User = z.object({
  id: z.number(),
  name: z.string(),
  role: z.enum(['admin', 'member']),
  tags: z.array(z.string()).default([]),
});
const NewUser = z.object({ name: z.string().min(1), role: z.enum(['admin', 'member']) });
const Problem = z.object({ title: z.string() });

const routes = defineRoutes({
  'GET /users/:id': { response: User, errors: { 404: Problem } },
  'GET /users/me': { response: z.object({ me: z.literal(true) }) },
  'POST /users': { body: NewUser, response: User },
  'POST /echo': { body: NewUser, response: z.object({ name: z.string() }) },
  'DELETE /empty/:id': {},
  'GET /plain': {},
});

describe('schemaGuardHooks against a loopback server whose payload drifts', () => {
  it('warn mode keeps serving and reports each drift once per window', async () => {
    const reports: DriftReport[] = [];
    const clock = manualClock({ now: 1_000 });
    const api = ky.create({
      baseUrl: `${base}/v2/`,
      retry: 0,
      hooks: schemaGuardHooks(routes, {
        mode: 'warn',
        onDrift: (r) => reports.push(r),
        clock,
        driftWindowMs: 60_000,
      }),
    });

    // 1. Conforming payload: validated output (default applied), no report.
    expect(await api.get('users/1').json()).toEqual({
      id: 1,
      name: 'Ada',
      role: 'admin',
      tags: [],
    });
    expect(reports).toEqual([]);

    // 2. The server adds a field: reported once, still valid, output stripped.
    payload = { id: 1, name: 'Ada', role: 'admin', plan: 'pro' };
    for (let i = 0; i < 3; i++) {
      expect(await api.get('users/1').json()).toEqual({
        id: 1,
        name: 'Ada',
        role: 'admin',
        tags: [],
      });
    }
    expect(reports).toHaveLength(1);
    expect(reports[0]).toEqual({
      route: 'GET /users/:id',
      status: 200,
      valid: true,
      findings: [{ kind: 'unknown-key', path: '$.plan', count: 1, firstSeen: 1_000 }],
    });

    // 3. The server renames a field (name → fullName): missing + unknown key, invalid;
    //    warn mode passes the raw body through unchanged.
    payload = { id: 1, fullName: 'Ada', role: 'admin', plan: 'pro' };
    for (let i = 0; i < 2; i++) {
      expect(await api.get('users/2').json()).toEqual(payload);
    }
    expect(reports).toHaveLength(2);
    expect(reports[1]?.valid).toBe(false);
    expect(reports[1]?.findings.map((f) => [f.kind, f.path])).toEqual([
      ['unknown-key', '$.fullName'],
      ['missing', '$.name'],
    ]);

    // 4. The server changes a type and adds an enum value.
    payload = { id: '1', name: 'Ada', role: 'owner' };
    expect(await api.get('users/3').json()).toEqual(payload);
    expect(reports).toHaveLength(3);
    expect(reports[2]?.findings).toEqual([
      {
        kind: 'type',
        path: '$.id',
        expected: 'number',
        received: 'string',
        count: 1,
        firstSeen: 1_000,
      },
      {
        kind: 'enum',
        path: '$.role',
        expected: 'enum',
        received: 'string',
        count: 1,
        firstSeen: 1_000,
      },
    ]);
    expect(JSON.stringify(reports)).not.toContain('owner');

    // After the window the same drift is reported again, with how often it happened.
    await clock.advance(60_000);
    payload = { id: 1, name: 'Ada', role: 'admin', plan: 'pro' };
    await api.get('users/1').json();
    expect(reports).toHaveLength(4);
    expect(reports[3]?.findings).toEqual([
      { kind: 'unknown-key', path: '$.plan', count: 5, firstSeen: 1_000 },
    ]);
    expect(seen.every((s) => s.url.startsWith('/v2/users/'))).toBe(true);
  });

  it('throw mode throws a typed ResponseSchemaError without the body unless asked', async () => {
    const api = ky.create({ prefix: `${base}/v2`, retry: 0, hooks: schemaGuardHooks(routes) });
    payload = { id: 1, fullName: 'Ada', role: 'admin' };
    const error = await api
      .get('/users/9')
      .json()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseSchemaError);
    const e = error as ResponseSchemaError;
    expect(e.code).toBe('SCHEMA_GUARD_RESPONSE_INVALID');
    expect(e.route).toBe('GET /users/:id');
    expect(e.status).toBe(200);
    expect(e.issues).toEqual([{ message: expect.any(String), path: ['name'] }]);
    expect(e.body).toBeUndefined();
    expect(e.message).not.toContain('Ada');

    const withBody = ky.create({
      prefix: `${base}/v2`,
      retry: 0,
      hooks: schemaGuardHooks(routes, { includeBody: true }),
    });
    const e2 = (await withBody
      .get('users/9')
      .json()
      .catch((x: unknown) => x)) as ResponseSchemaError;
    expect(e2.body).toBe(JSON.stringify(payload));

    // Adding a field is drift, not an error: throw mode still returns the validated output.
    payload = { id: 1, name: 'Ada', role: 'admin', plan: 'pro' };
    expect(await api.get('users/1').json()).toEqual({
      id: 1,
      name: 'Ada',
      role: 'admin',
      tags: [],
    });
  });

  it('response.json() on the awaited response is validated too', async () => {
    const api = ky.create({ baseUrl: `${base}/`, retry: 0, hooks: schemaGuardHooks(routes) });
    const response = await api.get('users/1');
    expect(await response.json()).toEqual({ id: 1, name: 'Ada', role: 'admin', tags: [] });
  });

  it('an invalid request body never reaches the server', async () => {
    const api = ky.create({ baseUrl: `${base}/`, retry: 0, hooks: schemaGuardHooks(routes) });
    const error = await api
      .post('users', { json: { name: '', role: 'root', password: 'hunter2' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestSchemaError);
    const e = error as RequestSchemaError;
    expect(e.code).toBe('SCHEMA_GUARD_REQUEST_INVALID');
    expect(e.route).toBe('POST /users');
    expect(e.issues.map((i) => i.path)).toEqual([['name'], ['role']]);
    expect(JSON.stringify(e)).not.toContain('hunter2');
    expect(e.message).not.toContain('hunter2');
    expect(seen).toEqual([]);
  });

  it('a valid body is sent as the schema output (unknown keys stripped)', async () => {
    const api = ky.create({ baseUrl: `${base}/`, retry: 0, hooks: schemaGuardHooks(routes) });
    const out = await api
      .post('echo', { json: { name: 'Ada', role: 'member', password: 'hunter2' } })
      .json();
    expect(out).toEqual({ name: 'Ada' });
    expect(seen).toHaveLength(1);
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ name: 'Ada', role: 'member' });
  });

  it('a body that is not JSON, or missing, is rejected before sending', async () => {
    const api = ky.create({ baseUrl: `${base}/`, retry: 0, hooks: schemaGuardHooks(routes) });
    const notJson = await api.post('users', { body: 'name=Ada' }).catch((e: unknown) => e);
    expect(notJson).toBeInstanceOf(RequestSchemaError);
    expect((notJson as RequestSchemaError).issues[0]?.message).toBe(
      'The request body is not valid JSON',
    );
    const missing = await api.post('users').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RequestSchemaError);
    expect(seen).toEqual([]);
  });

  it('unmatched requests pass through, or throw before sending under strict', async () => {
    payload = { anything: true };
    const loose = ky.create({ baseUrl: `${base}/`, retry: 0, hooks: schemaGuardHooks(routes) });
    expect(await loose.get('teams/1').json()).toEqual({ anything: true });
    expect(await loose.get('plain').json()).toEqual({ anything: true });
    expect(seen).toHaveLength(2);

    const strict = ky.create({
      baseUrl: `${base}/`,
      retry: 0,
      hooks: schemaGuardHooks(routes, { strict: true }),
    });
    const error = await strict.get('teams/1?token=secret').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnmatchedRouteError);
    expect((error as UnmatchedRouteError).path).toBe('/teams/1');
    expect((error as UnmatchedRouteError).message).not.toContain('secret');
    expect(seen).toHaveLength(2);
  });

  it('static routes win over params; query strings are ignored', async () => {
    const api = ky.create({ baseUrl: `${base}/`, retry: 0, hooks: schemaGuardHooks(routes) });
    payload = { me: true };
    expect(await api.get('users/me?x=1').json()).toEqual({ me: true });
  });

  it('validates error bodies by status without throwing, and keeps HTTPError', async () => {
    const reports: DriftReport[] = [];
    const api = ky.create({
      baseUrl: `${base}/`,
      retry: 0,
      hooks: schemaGuardHooks(routes, { onDrift: (r) => reports.push(r) }),
    });
    status = 404;
    payload = { title: 'Not found', detail: 'x' };
    const error = (await api.get('users/5').catch((e: unknown) => e)) as HTTPError;
    expect(error).toBeInstanceOf(HTTPError);
    expect(error.data).toEqual({ title: 'Not found' });
    expect(reports[0]?.findings).toMatchObject([{ kind: 'unknown-key', path: '$.detail' }]);

    payload = { message: 'gone' };
    const again = (await api.get('users/5').catch((e: unknown) => e)) as HTTPError;
    expect(again.data).toEqual({ message: 'gone' });
    expect(reports[1]?.valid).toBe(false);

    status = 500;
    const other = (await api.get('users/5').catch((e: unknown) => e)) as HTTPError;
    expect(other.data).toEqual({ message: 'gone' });
  });

  it('keeps a user parseJson (sync or async) and validates its result', async () => {
    const calls: string[] = [];
    const api = ky.create({
      baseUrl: `${base}/`,
      retry: 0,
      parseJson: (text) => {
        calls.push(text);
        return JSON.parse(text);
      },
      hooks: schemaGuardHooks(routes),
    });
    expect(await api.get('users/1').json()).toEqual({
      id: 1,
      name: 'Ada',
      role: 'admin',
      tags: [],
    });
    payload = { x: 1 };
    expect(await api.get('teams').json()).toEqual({ x: 1 });
    expect(calls).toHaveLength(2);

    payload = { id: 1, name: 'Ada', role: 'admin' };
    const asyncApi = api.extend({ parseJson: async (text) => JSON.parse(text) });
    expect(await asyncApi.get('users/1').json()).toEqual({
      id: 1,
      name: 'Ada',
      role: 'admin',
      tags: [],
    });
  });

  it('installing the hooks twice validates once', async () => {
    const hooks = schemaGuardHooks(routes);
    const api = ky.create({ baseUrl: `${base}/`, retry: 0, hooks }).extend({ hooks });
    expect(await api.get('users/1').json()).toEqual({
      id: 1,
      name: 'Ada',
      role: 'admin',
      tags: [],
    });
  });

  it('matches relative to a fixed baseUrl option', async () => {
    const api = ky.create({
      retry: 0,
      hooks: schemaGuardHooks(routes, { baseUrl: `${base}/v3/` }),
    });
    payload = { id: 1, name: 'Ada', role: 'admin', extra: 1 };
    expect(await api.get(`${base}/v3/users/1`).json()).toEqual({
      id: 1,
      name: 'Ada',
      role: 'admin',
      tags: [],
    });
  });

  it('works with valibot and async schemas', async () => {
    const VUser = v.object({ id: v.number(), name: v.string() });
    const asyncSchema = {
      '~standard': {
        version: 1 as const,
        vendor: 'custom',
        validate: async (value: unknown) =>
          typeof value === 'object' && value !== null && 'id' in value
            ? { value: { id: (value as { id: unknown }).id } }
            : { issues: [{ message: 'id required', path: ['id'] }] },
      },
    };
    const vRoutes = defineRoutes({
      'GET /users/:id': { response: VUser },
      'GET /async/:id': { response: asyncSchema },
    });
    const reports: DriftReport[] = [];
    const api = ky.create({
      baseUrl: `${base}/`,
      retry: 0,
      hooks: schemaGuardHooks(vRoutes, { mode: 'warn', onDrift: (r) => reports.push(r) }),
    });
    payload = { id: 1, name: 'Ada', role: 'admin' };
    expect(await api.get('users/1').json()).toEqual({ id: 1, name: 'Ada' });
    expect(await api.get('async/1').json()).toEqual({ id: 1 });
    expect(reports.map((r) => r.findings.map((f) => f.path))).toEqual([
      ['$.role'],
      ['$.name', '$.role'],
    ]);
  });

  it('204 responses and routes without a response schema pass through', async () => {
    const api = ky.create({ baseUrl: `${base}/`, retry: 0, hooks: schemaGuardHooks(routes) });
    expect(await api.delete('empty/1').json()).toBeUndefined();
  });

  it('rejects bad options at construction', () => {
    expect(() => schemaGuardHooks(routes, { mode: 'loud' as 'warn' })).toThrow(
      SchemaGuardOptionError,
    );
    expect(() => schemaGuardHooks(routes, { strict: 'yes' as unknown as boolean })).toThrow(
      /strict/,
    );
    expect(() => schemaGuardHooks(routes, { driftWindowMs: 0 })).toThrow(/driftWindowMs/);
    expect(() => schemaGuardHooks(routes, { baseUrl: 'http://[' })).toThrow(/baseUrl/);
    expect(() => schemaGuardHooks({} as typeof routes)).toThrow(/defineRoutes/);
    expect(() => schemaGuardHooks(routes, null as never)).toThrow(/options/);
    expect(() => schemaGuardHooks(routes, { onDrift: 1 as never })).toThrow(/onDrift/);
    expect(() => schemaGuardHooks(routes, { maxBodyLength: 0 })).toThrow(/maxBodyLength/);
    expect(() => schemaGuardHooks(routes, { clock: {} as never })).toThrow(/clock/);
  });
});

describe('guard (typed client)', () => {
  it('calls through ky with the hooks and returns validated output', async () => {
    const api = guard(ky.create({ baseUrl: `${base}/`, retry: 0 }), routes);
    payload = { id: 7, name: 'Ada', role: 'member', extra: true };
    expect(await api.get('/users/7')).toEqual({ id: 7, name: 'Ada', role: 'member', tags: [] });
    expect(await api.post('echo', { json: { name: 'Ada', role: 'admin' } })).toEqual({
      name: 'Ada',
    });
    await expect(api.post('/users', { json: { name: '', role: 'admin' } })).rejects.toBeInstanceOf(
      RequestSchemaError,
    );
    expect(await api.delete('/empty/3')).toBeUndefined();
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /users/7',
      'POST /echo',
      'DELETE /empty/3',
    ]);
  });

  it('exposes put and patch', async () => {
    const r = defineRoutes({
      'PUT /echo/:id': { body: NewUser, response: NewUser },
      'PATCH /echo/:id': { response: z.unknown() },
    });
    const api = guard(ky.create({ baseUrl: `${base}/`, retry: 0 }), r);
    expect(await api.put('echo/1', { json: { name: 'A', role: 'admin' } })).toEqual({
      name: 'A',
      role: 'admin',
    });
    expect(await api.patch('echo/1', { json: { a: 1 } } as never)).toEqual({ a: 1 });
  });

  it('a path that matches no route (past the type check) rejects with UnmatchedRouteError, unsent', async () => {
    const api = guard(ky.create({ baseUrl: `${base}/`, retry: 0 }), routes);
    const before = seen.length;
    for (const path of ['users/7/x/y', 'users/', '/teams/1', 'users/7/x?q=1']) {
      const error = await (api.get as (p: string) => Promise<unknown>)(path).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UnmatchedRouteError);
      expect((error as UnmatchedRouteError).code).toBe('SCHEMA_GUARD_ROUTE_UNMATCHED');
      expect((error as UnmatchedRouteError).method).toBe('GET');
      expect((error as Error).message).toMatch(/typed client/);
    }
    expect(seen.length).toBe(before);
    // A query string or fragment does not stop a real route from matching.
    payload = { id: 7, name: 'Ada', role: 'member' };
    expect(await api.get('/users/7?expand=1' as '/users/7')).toMatchObject({ id: 7 });
  });
});

describe('schemaGuardHooks per-request cost', () => {
  const Item = z.object({ id: z.number() });

  it('installs beforeRequest only when a route has a body schema or strict is on', () => {
    const getOnly = defineRoutes({ 'GET /items/:id': { response: Item } });
    expect(schemaGuardHooks(getOnly).beforeRequest).toBeUndefined();
    expect(schemaGuardHooks(getOnly).init).toHaveLength(1);
    expect(schemaGuardHooks(getOnly, { strict: true }).beforeRequest).toHaveLength(1);
    const withBody = defineRoutes({ 'POST /items': { body: Item, response: Item } });
    expect(schemaGuardHooks(withBody).beforeRequest).toHaveLength(1);
  });

  it('skips bodyless methods in beforeRequest, and still checks bodies of body routes', async () => {
    const routes = defineRoutes({
      'GET /items/:id': { response: Item },
      'POST /items': { body: Item, response: Item },
    });
    const api = ky.create({ baseUrl: base, retry: 0, hooks: schemaGuardHooks(routes) });
    payload = { id: 1 };
    await expect(api.get('items/1').json()).resolves.toEqual({ id: 1 });
    await expect(api.post('items', { json: { id: 'x' } }).json()).rejects.toBeInstanceOf(
      RequestSchemaError,
    );
  });

  it('caches route matches per URL, bounded, and per base path', async () => {
    const routes = defineRoutes({ 'GET /items/:id': { response: Item } });
    const text = JSON.stringify({ id: 7, extra: true });
    const fetchStub = async () =>
      new Response(text, { headers: { 'content-type': 'application/json' } });
    const api = ky.create({
      prefix: 'http://stub.test/v1/',
      fetch: fetchStub,
      retry: 0,
      hooks: schemaGuardHooks(routes),
    });
    // Repeated URLs (cache hits), unmatched URLs (cached misses), and more distinct URLs than
    // the cache holds: every answer stays right.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 300; i++) {
        await expect(api.get(`items/${i}`).json()).resolves.toEqual({ id: 7 });
      }
      await expect(api.get('other').json()).resolves.toEqual({ id: 7, extra: true });
      await expect(api.get('other').json()).resolves.toEqual({ id: 7, extra: true });
    }
    // Many methods: the per-method maps are bounded too.
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      for (let i = 0; i < 4; i++) {
        await api(`items/${i}`, { method: `${method}${'x'.repeat(i)}` })
          .json()
          .catch(() => undefined);
      }
    }
    // Another base path on the same hooks: matched relative to it, not the cached one.
    const other = api.extend({ prefix: 'http://stub.test/v2/' });
    await expect(other.get('items/1').json()).resolves.toEqual({ id: 7 });
    await expect(other.get('http://stub.test/v1/items/1').json()).resolves.toEqual({
      id: 7,
      extra: true,
    });
  });
});

describe('schemaGuardOptions (the guard as ky options, no init hook)', () => {
  it('validates and reports drift through parseJson, relative to the baseUrl option', async () => {
    const reports: DriftReport[] = [];
    const prefix = `${base}/v2/`;
    const api = ky.create({
      prefix,
      retry: 0,
      ...schemaGuardOptions(routes, {
        baseUrl: prefix,
        mode: 'warn',
        onDrift: (r) => reports.push(r),
      }),
    });
    payload = { id: 1, name: 'Ada', role: 'admin', plan: 'pro' };
    expect(await api.get('users/1').json()).toEqual({
      id: 1,
      name: 'Ada',
      role: 'admin',
      tags: [],
    });
    expect(reports).toHaveLength(1);
    expect(reports[0]?.route).toBe('GET /users/:id');
    const strictApi = ky.create({
      prefix,
      retry: 0,
      ...schemaGuardOptions(routes, { baseUrl: prefix }),
    });
    payload = { id: 1, fullName: 'Ada', role: 'admin' };
    await expect(strictApi.get('users/1').json()).rejects.toBeInstanceOf(ResponseSchemaError);
  });

  it('adds a beforeRequest hook only for body routes, and bodies are checked before sending', async () => {
    const prefix = `${base}/`;
    const options = schemaGuardOptions(routes, { baseUrl: prefix });
    expect(options.hooks?.beforeRequest).toHaveLength(1);
    expect(Object.keys(options.hooks ?? {})).toEqual(['beforeRequest']);
    const api = ky.create({ prefix, retry: 0, ...options });
    await expect(api.post('users', { json: { name: '' } })).rejects.toBeInstanceOf(
      RequestSchemaError,
    );
    expect(seen).toEqual([]);
    const getOnly = schemaGuardOptions(defineRoutes({ 'GET /users/:id': { response: User } }));
    expect(getOnly.hooks).toBeUndefined();
    expect(typeof getOnly.parseJson).toBe('function');
  });

  it('without a baseUrl option, matches request paths from the root', async () => {
    const api = ky.create({ retry: 0, ...schemaGuardOptions(routes) });
    payload = { id: 2, name: 'Bo', role: 'member' };
    expect(await api.get(`${base}/users/2`).json()).toEqual({
      id: 2,
      name: 'Bo',
      role: 'member',
      tags: [],
    });
    // under a prefix it does not know, nothing matches: the body passes through unvalidated
    payload = { unrelated: true };
    expect(await api.get(`${base}/v2/users/2`).json()).toEqual({ unrelated: true });
  });
});
