// The Hono and Express forms of @brace/idempotency beside their least-work floors, and the
// Express form beside express-idempotency and @node-idempotency on the same (memory) store.
import { memoryStore } from '@brace/idempotency';
import { idempotency as braceExpress, keepRawBody } from '@brace/idempotency/express';
import { idempotency as braceHono } from '@brace/idempotency/hono';
import { Idempotency as NodeIdempotency } from '@node-idempotency/core';
import { MemoryStorageAdapter } from '@node-idempotency/storage-adapter-memory';
import express, { type Request as ExpressRequest, type Response as ExpressResponse } from 'express';
import {
  idempotency as expressIdempotency,
  getSharedIdempotencyService,
} from 'express-idempotency';
import { Hono } from 'hono';
import inject from 'light-my-request';
import { compare, type WorkloadResult } from '../harness.js';
import { nodeIdempotencyHono } from './idempotency-node-peer.js';
import {
  type Bounded,
  bounded,
  floorFingerprint,
  medianDifference,
  medianOf,
  pairedGroup,
  type Rounds,
  STORE_BOUND,
  spreadOfDifference,
} from './idempotency-paired.js';

const OPTS = { lockTtlMs: 60_000, ttlMs: 600_000 };
const ANSWER = { id: 'ord_123', status: 'created' };

/** The result of the forms' comparison: the workloads and each form's figures (ns). */
export interface FormFigures {
  workloads: WorkloadResult[];
  /**
   * `added`, `floor`: wall-clock medians minus the bare app's. `own` (the form minus its
   * floor), `cpuAdded`, `cpuFloor` and `cpu*` (an app minus the bare one): medians of
   * per-round differences of CPU time (see `./idempotency-paired.ts`).
   */
  hono: {
    added: number;
    floor: number;
    own: number;
    /** The own cost's first and third quartiles over rounds. */
    ownSpread: [number, number];
    cpuAdded: number;
    cpuFloor: number;
    /** @node-idempotency's core driven as a Hono middleware, against the bare app. */
    cpuNodeIdempotency: number;
  };
  express: {
    added: number;
    floor: number;
    own: number;
    ownSpread: [number, number];
    cpuAdded: number;
    cpuFloor: number;
    cpuExpressIdempotency: number;
    cpuNodeIdempotency: number;
    /** The bare Express app's CPU time per request (median over rounds). */
    cpuBare: number;
    expressIdempotency: number;
    nodeIdempotency: number;
  };
}

export async function forms(
  suite: string,
  opts: { rounds: number; roundMs: number },
  body: string,
  scope: string,
  paired: { rounds: number; n: (nsPerOp: number) => number },
): Promise<FormFigures> {
  // Every store is emptied every STORE_BOUND requests and before each paired segment.
  const honoBraceStore = memoryStore({ maxEntries: 100_000 });
  const honoFloorStore = memoryStore({ maxEntries: 100_000 });
  const expressBraceStore = memoryStore({ maxEntries: 100_000 });
  const nodeAdapter = new MemoryStorageAdapter();
  const honoNodeAdapter = new MemoryStorageAdapter();
  /** Empties a @node-idempotency memory adapter. */
  const clearAdapter = (adapter: MemoryStorageAdapter) => () =>
    (adapter as unknown as { cache: Map<string, unknown> }).cache.clear();
  const noStore = () => undefined;
  let n = 0;
  let floorSeq = 0;
  const key = () => `"order-${n++}"`;
  const webRequest = () =>
    new Request('http://api.test/orders', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'idempotency-key': key() },
    });

  // Hono: the app with the middleware, without it, and with the least a middleware with
  // these rules must do (read the body, SHA-256 fingerprint, memory begin, read the answer,
  // memory complete, hand a new Response back), none of the middleware's own logic.
  const honoApp = (mode: 'brace' | 'bare' | 'floor' | 'node') => {
    const app = new Hono();
    if (mode === 'node') {
      app.use('*', nodeIdempotencyHono(new NodeIdempotency(honoNodeAdapter)));
    } else if (mode === 'brace') {
      app.use('*', braceHono({ store: honoBraceStore, scope: () => scope }));
    } else if (mode === 'floor') {
      const store = honoFloorStore;
      app.use('*', async (c, next) => {
        const bytes = new Uint8Array(await c.req.arrayBuffer());
        const fingerprint = floorFingerprint(bytes);
        const where = { scope, key: `f${floorSeq++}` };
        const claim = await store.begin(where, fingerprint, OPTS);
        if (claim.status !== 'acquired') throw new Error('floor: not acquired');
        await next();
        const answer = new Uint8Array(await c.res.arrayBuffer());
        await store.complete(
          where,
          claim.token,
          { status: c.res.status, headers: [], body: answer },
          OPTS,
        );
        const res = new Response(answer, c.res);
        c.res = undefined;
        c.res = res;
      });
    }
    app.post('/orders', async (c) => {
      await c.req.json();
      return c.json(ANSWER, 201);
    });
    return app;
  };
  const [honoBrace, honoBare, honoFloor, honoNode] = [
    honoApp('brace'),
    honoApp('bare'),
    honoApp('floor'),
    honoApp('node'),
  ];
  const honoGroup: Bounded[] = [
    bounded(
      'Hono + idempotency()',
      async () => (await honoBrace.request(webRequest())).arrayBuffer(),
      () => honoBraceStore.clear(),
    ),
    bounded(
      'Hono, no middleware',
      async () => (await honoBare.request(webRequest())).arrayBuffer(),
      noStore,
    ),
    bounded(
      'Hono + least-work floor middleware',
      async () => (await honoFloor.request(webRequest())).arrayBuffer(),
      () => honoFloorStore.clear(),
    ),
    bounded(
      'Hono + @node-idempotency/core (memory adapter)',
      async () => (await honoNode.request(webRequest())).arrayBuffer(),
      clearAdapter(honoNodeAdapter),
    ),
  ];
  const hono = await compare(
    suite,
    'Hono: the app with idempotency(), without it, and with the least-work middleware (memory store, fresh key each time)',
    honoGroup,
    {
      ...opts,
      note: `Every store is emptied every ${STORE_BOUND.toLocaleString('en')} requests. @node-idempotency has no Hono middleware: a minimal one drives its core (onRequest, onResponse).`,
    },
  );

  // Express, in process (light-my-request): the same POST through each app.
  const handler = (_req: ExpressRequest, res: ExpressResponse) => {
    res.status(201).json(ANSWER);
  };
  const bare = express();
  bare.use(express.json());
  bare.post('/orders', handler);

  const brace = express();
  brace.use(express.json({ verify: keepRawBody }));
  brace.use(braceExpress({ store: expressBraceStore, scope: () => scope }));
  brace.post('/orders', handler);

  // The least work with these rules: fingerprint the raw bytes, begin, hold `end` until the
  // answer is stored. No key parsing, scope, status rules or header allow-list.
  const floorStore = memoryStore({ maxEntries: 100_000 });
  const floor = express();
  floor.use(express.json({ verify: keepRawBody }));
  floor.use(async (req, res, next) => {
    const raw = (req as { rawBody?: Uint8Array }).rawBody as Uint8Array;
    const fingerprint = floorFingerprint(raw);
    const where = { scope, key: `e${floorSeq++}` };
    const claim = await floorStore.begin(where, fingerprint, OPTS);
    if (claim.status !== 'acquired') throw new Error('floor: not acquired');
    const end = res.end.bind(res) as (chunk?: unknown) => ExpressResponse;
    res.end = ((chunk?: unknown) => {
      const bytes =
        typeof chunk === 'string' ? new TextEncoder().encode(chunk) : (chunk as Uint8Array);
      void floorStore
        .complete(where, claim.token, { status: res.statusCode, headers: [], body: bytes }, OPTS)
        .then(() => end(chunk));
      return res;
    }) as ExpressResponse['end'];
    next();
  });
  floor.post('/orders', handler);

  const peer = express();
  peer.use(express.json());
  peer.post('*splat', expressIdempotency());
  // Its memory adapter keeps an array it scans for every request: emptied like every store.
  const peerResources = (
    getSharedIdempotencyService() as unknown as {
      _options: { dataAdapter: { idempotencyResources: unknown[] } };
    }
  )._options.dataAdapter.idempotencyResources;
  peer.post('/orders', (req, res) => {
    if (getSharedIdempotencyService().isHit(req)) return;
    handler(req, res);
  });

  const nodeIdem = new NodeIdempotency(nodeAdapter);
  const node = express();
  node.use(express.json());
  node.use(async (req, res, next) => {
    const params = { headers: req.headers, path: req.path, body: req.body, method: req.method };
    const cached = await nodeIdem.onRequest(params);
    if (cached !== undefined) {
      res.status(201).json(cached.body);
      return;
    }
    const json = res.json.bind(res);
    res.json = ((value: unknown) => {
      void nodeIdem
        .onResponse(params, { body: value as Record<string, unknown> })
        .then(() => json(value));
      return res;
    }) as ExpressResponse['json'];
    next();
  });
  node.post('/orders', handler);

  const send = (app: express.Express) => () =>
    inject(app as never, {
      method: 'POST',
      url: '/orders',
      payload: body,
      headers: { 'content-type': 'application/json', 'idempotency-key': key() },
    }).then((r) => {
      if (r.statusCode !== 201) throw new Error(`express bench: ${r.statusCode} ${r.payload}`);
      return r.payload;
    });
  const expressGroup: Bounded[] = [
    bounded('Express + @brace/idempotency/express', send(brace), () => expressBraceStore.clear()),
    bounded('Express, no middleware', send(bare), noStore),
    bounded('Express + least-work floor middleware', send(floor), () => floorStore.clear()),
    bounded('Express + express-idempotency (memory adapter)', send(peer), () => {
      peerResources.length = 0;
    }),
    bounded(
      'Express + @node-idempotency/core (memory adapter)',
      send(node),
      clearAdapter(nodeAdapter),
    ),
  ];
  const expressRun = await compare(
    suite,
    'Express (in process): the app with each idempotency middleware, without one, and with the least-work middleware (memory stores, fresh key each time)',
    expressGroup,
    {
      ...opts,
      note: `Every app parses JSON; Brace and the floor keep the raw bytes (express.json({ verify: keepRawBody })) to fingerprint them. @node-idempotency has no Express middleware: a minimal one drives its core (onRequest, onResponse). Every store is emptied every ${STORE_BOUND.toLocaleString('en')} requests (express-idempotency's memory adapter scans an array per request, so an unbounded one would be judged on its store size).`,
    },
  );
  const ns = (w: WorkloadResult, name: string) => {
    const r = w.results.find((x) => x.name === name);
    if (!r) throw new Error(`unknown contender ${name}`);
    return r.nsPerOp;
  };
  const honoBareNs = ns(hono, 'Hono, no middleware');
  const expressBareNs = ns(expressRun, 'Express, no middleware');
  // Paired rounds of CPU time, every contender of a group in each round (see
  // ./idempotency-paired.ts): each form against its floor (its own cost) and every app
  // against the bare one (what each middleware adds).
  const honoRounds: Rounds = await pairedGroup(honoGroup, {
    rounds: paired.rounds,
    n: paired.n(ns(hono, 'Hono + idempotency()')),
  });
  const expressRounds: Rounds = await pairedGroup(expressGroup, {
    rounds: paired.rounds,
    n: paired.n(ns(expressRun, 'Express + @brace/idempotency/express')),
  });
  const diff = medianDifference;
  return {
    workloads: [hono, expressRun],
    hono: {
      added: ns(hono, 'Hono + idempotency()') - honoBareNs,
      floor: ns(hono, 'Hono + least-work floor middleware') - honoBareNs,
      own: diff(honoRounds, 'Hono + idempotency()', 'Hono + least-work floor middleware'),
      ownSpread: spreadOfDifference(
        honoRounds,
        'Hono + idempotency()',
        'Hono + least-work floor middleware',
      ),
      cpuAdded: diff(honoRounds, 'Hono + idempotency()', 'Hono, no middleware'),
      cpuFloor: diff(honoRounds, 'Hono + least-work floor middleware', 'Hono, no middleware'),
      cpuNodeIdempotency: diff(
        honoRounds,
        'Hono + @node-idempotency/core (memory adapter)',
        'Hono, no middleware',
      ),
    },
    express: {
      added: ns(expressRun, 'Express + @brace/idempotency/express') - expressBareNs,
      floor: ns(expressRun, 'Express + least-work floor middleware') - expressBareNs,
      own: diff(
        expressRounds,
        'Express + @brace/idempotency/express',
        'Express + least-work floor middleware',
      ),
      ownSpread: spreadOfDifference(
        expressRounds,
        'Express + @brace/idempotency/express',
        'Express + least-work floor middleware',
      ),
      cpuAdded: diff(
        expressRounds,
        'Express + @brace/idempotency/express',
        'Express, no middleware',
      ),
      cpuFloor: diff(
        expressRounds,
        'Express + least-work floor middleware',
        'Express, no middleware',
      ),
      cpuExpressIdempotency: diff(
        expressRounds,
        'Express + express-idempotency (memory adapter)',
        'Express, no middleware',
      ),
      cpuNodeIdempotency: diff(
        expressRounds,
        'Express + @node-idempotency/core (memory adapter)',
        'Express, no middleware',
      ),
      cpuBare: medianOf(expressRounds, 'Express, no middleware'),
      expressIdempotency:
        ns(expressRun, 'Express + express-idempotency (memory adapter)') - expressBareNs,
      nodeIdempotency:
        ns(expressRun, 'Express + @node-idempotency/core (memory adapter)') - expressBareNs,
    },
  };
}
