// The body of a multi-process test worker. A store package's worker file calls runChild
// with its store; the parent (multi-process.ts) bundles that file and spawns it.
// argv[2]: JSON ChildConfig. Protocol on stdout, one line each: `ready`, `L` (lock taken),
// `S` (saved), `U` (unlocked), `E <code>` (an error), `done <json>`.
import { createInterface } from 'node:readline';
import { authFetch } from '../fetch.js';
import { clientCredentials, createTokenManager, refreshToken, type TokenStore } from '../index.js';

/** What the parent tells a worker. */
export interface ChildConfig {
  mode: 'burst' | 'cycles';
  tokenUrl: string;
  resourceUrl: string;
  clientSecret: string;
  key: string;
  /** burst: requests this worker sends, spread over spreadMs after `go`. */
  requests?: number;
  spreadMs?: number;
  /** cycles: the refresh token to start from. */
  refreshToken?: string;
  lockTtlMs?: number;
}

const line = (text: string) => process.stdout.write(`${text}\n`);

/** Wraps a store so the parent sees lock, save and unlock as they happen. */
function reporting(store: TokenStore): TokenStore {
  return {
    load: (k) => store.load(k),
    async lock(k, ttl) {
      const fence = await store.lock(k, ttl);
      if (fence !== undefined) line('L');
      return fence;
    },
    claim: (k, f) => store.claim(k, f),
    async save(k, f, t) {
      const ok = await store.save(k, f, t);
      line(ok ? 'S' : 'F');
      return ok;
    },
    async unlock(k, f, c) {
      await store.unlock(k, f, c);
      line('U');
    },
  };
}

/** Runs one worker: `makeStore` connects the store under test. */
export async function runChild(
  makeStore: () => Promise<{ store: TokenStore; close: () => Promise<unknown> }>,
): Promise<void> {
  const config = JSON.parse(process.argv[2] as string) as ChildConfig;
  const { store, close } = await makeStore();
  const common = {
    tokenUrl: config.tokenUrl,
    clientId: 'app',
    clientSecret: config.clientSecret,
    allowInsecureRequests: true,
  };
  if (config.mode === 'burst') {
    const auth = createTokenManager({
      grant: clientCredentials(common),
      store,
      key: config.key,
      refreshBeforeMs: 3000,
      jitterMs: 500,
      expirySkewMs: 2500,
      pollIntervalMs: 10,
    });
    const api = authFetch(auth);
    // The app's concurrency: at most 50 requests in flight per process (2,000 sockets at once
    // would overflow the loopback server's accept backlog, and SYN retries take seconds).
    let inFlight = 0;
    const queue: Array<() => void> = [];
    const slot = async () => {
      if (inFlight >= 50) await new Promise<void>((r) => queue.push(r));
      inFlight++;
    };
    const free = () => {
      inFlight--;
      queue.shift()?.();
    };
    const go = await waitForGo();
    const statuses: Record<string, number> = {};
    const latencies: number[] = [];
    await Promise.all(
      Array.from({ length: config.requests ?? 0 }, async () => {
        const at = go + Math.random() * (config.spreadMs ?? 0);
        await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
        await slot();
        const sent = Date.now();
        const status = await api(config.resourceUrl)
          .then(
            async (r) => {
              await r.arrayBuffer();
              return String(r.status);
            },
            (e: { code?: string }) => e.code ?? 'error',
          )
          .finally(free);
        statuses[status] = (statuses[status] ?? 0) + 1;
        latencies.push(Date.now() - sent);
      }),
    );
    auth.close();
    await close();
    latencies.sort((a, b) => a - b);
    const p = (q: number) => latencies[Math.floor(q * (latencies.length - 1))] ?? 0;
    line(`done ${JSON.stringify({ statuses, p50: p(0.5), p99: p(0.99), max: p(1) })}`);
    return;
  }
  // cycles: refresh forever (validate() always calls the endpoint) until killed.
  const timeoutMs = Math.floor((config.lockTtlMs ?? 1000) * 0.6);
  const recoverGrant = clientCredentials({ ...common, timeoutMs });
  const auth = createTokenManager({
    grant: refreshToken({
      ...common,
      refreshToken: config.refreshToken as string,
      timeoutMs,
      recover: async () => {
        const t = await recoverGrant.request({
          now: Date.now(),
          signal: AbortSignal.timeout(5000),
        });
        return {
          accessToken: t.accessToken,
          expiresIn: (t.expiresAt - Date.now()) / 1000,
          refreshToken: t.refreshToken as string,
        };
      },
    }),
    store: reporting(store),
    key: config.key,
    lockTtlMs: config.lockTtlMs ?? 1000,
    pollIntervalMs: 10,
    maxAttempts: 1,
    proactive: false,
  });
  line('ready');
  for (;;) {
    await auth.validate().catch((error: { code?: string; oauthError?: string }) => {
      line(`E ${error.code ?? 'unknown'} ${error.oauthError ?? ''}`);
    });
  }
}

/** Prints `ready`, then resolves the start time the parent sends as `go <epoch ms>`. */
function waitForGo(): Promise<number> {
  line('ready');
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (text) => {
      if (text.startsWith('go ')) {
        rl.close();
        resolve(Number(text.slice(3)));
      }
    });
  });
}
