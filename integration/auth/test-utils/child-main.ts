// The body of a multi-process test worker. A store package's worker file calls runChild
// with its store; the parent (multi-process.ts) bundles that file and spawns it.
// argv[2]: JSON ChildConfig. Protocol on stdout, one line each: `ready`, `L` (lock taken),
// `S` (saved), `U` (unlocked), `E <code>` (an error); burst mode: see child-burst.ts.
import { createInterface } from 'node:readline';
import { clientCredentials, createTokenManager, refreshToken, type TokenStore } from '@brace/auth';
import { runBurst } from './child-burst.js';

/** What the parent tells a worker. */
export interface ChildConfig {
  mode: 'burst' | 'cycles';
  tokenUrl: string;
  resourceUrl: string;
  clientSecret: string;
  key: string;
  /** burst: requests this worker fires at once on each `go`. */
  requests?: number;
  /** burst: the manager's expirySkewMs. */
  expirySkewMs?: number;
  /** cycles: the refresh token to start from. */
  refreshToken?: string;
  lockTtlMs?: number;
  /** cycles: give the grant a `recover` (a client-credentials grant); default true. */
  recover?: boolean;
  /**
   * cycles: after a token response, wait for the parent's `c` line before saving, so the
   * parent can kill exactly between the answer and the save.
   */
  pauseBeforeSave?: boolean;
  /**
   * cycles: after taking the lock, wait for the parent's `c` line before going on, so the
   * parent can kill exactly while the lock is held and nothing was sent.
   */
  pauseAfterLock?: boolean;
}

const line = (text: string) => process.stdout.write(`${text}\n`);

/**
 * Wraps a store so the parent sees each step as it happens: `L` lock taken, `C` claimed (the
 * refresh token is about to be sent), `B` a token arrived and is about to be saved (after the
 * parent's `c` when `pause`), `S`/`F` saved or fenced out, `U` unlocked.
 */
function reporting(
  store: TokenStore,
  pause: (() => Promise<void>) | undefined,
  pauseLocked: (() => Promise<void>) | undefined,
): TokenStore {
  const wrapped: TokenStore = {
    load: (k) => store.load(k),
    async lock(k, ttl) {
      const fence = await store.lock(k, ttl);
      if (fence !== undefined) {
        line('L');
        await pauseLocked?.();
      }
      return fence;
    },
    async claim(k, f) {
      const ok = await store.claim(k, f);
      if (ok) line('C');
      return ok;
    },
    async save(k, f, t) {
      line('B');
      await pause?.();
      const ok = await store.save(k, f, t);
      line(ok ? 'S' : 'F');
      return ok;
    },
    async unlock(k, f, c) {
      await store.unlock(k, f, c);
      line('U');
    },
  };
  if (store.renew !== undefined) wrapped.renew = store.renew.bind(store);
  return wrapped;
}

/** Runs one worker: `makeStore` connects the store under test. */
export async function runChild(
  makeStore: () => Promise<{ store: TokenStore; close: () => Promise<unknown> }>,
): Promise<void> {
  const config = JSON.parse(process.argv[2] as string) as ChildConfig;
  const { store } = await makeStore();
  const common = {
    tokenUrl: config.tokenUrl,
    clientId: 'app',
    clientSecret: config.clientSecret,
    allowInsecureRequests: true,
  };
  if (config.mode === 'burst') {
    await runBurst(config, store);
    return;
  }
  // cycles: refresh forever (validate() always calls the endpoint) until killed.
  // Half the lock TTL: a dead holder is taken over within a quarter (the lease), and the
  // taker's one token request then ends within the TTL.
  const timeoutMs = Math.floor((config.lockTtlMs ?? 1000) / 2);
  const recoverGrant = clientCredentials({ ...common, timeoutMs });
  const recover =
    config.recover === false
      ? undefined
      : async () => {
          const t = await recoverGrant.request({
            now: Date.now(),
            signal: AbortSignal.timeout(5000),
          });
          return {
            accessToken: t.accessToken,
            expiresIn: (t.expiresAt - Date.now()) / 1000,
            refreshToken: t.refreshToken as string,
          };
        };
  const auth = createTokenManager({
    grant: refreshToken({
      ...common,
      refreshToken: config.refreshToken as string,
      timeoutMs,
      ...(recover === undefined ? {} : { recover }),
    }),
    store: reportingFor(store, config),
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

/** The reporting store for `config`: one reader of the parent's `c` lines for both pauses. */
function reportingFor(store: TokenStore, config: ChildConfig): TokenStore {
  const paused = config.pauseBeforeSave === true || config.pauseAfterLock === true;
  const next = paused ? parentSaysContinue() : undefined;
  return reporting(
    store,
    config.pauseBeforeSave === true ? next : undefined,
    config.pauseAfterLock === true ? next : undefined,
  );
}

/** Resolves one waiter per `c` line the parent writes. */
function parentSaysContinue(): () => Promise<void> {
  const waiting: Array<() => void> = [];
  createInterface({ input: process.stdin }).on('line', (text) => {
    if (text === 'c') waiting.shift()?.();
  });
  return () => new Promise<void>((resolve) => waiting.push(resolve));
}
