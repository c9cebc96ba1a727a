// The burst worker (see child-main.ts): one token manager, then on each `go <at> <oldExpiry>`
// fires all its requests at once (global fetch: one keep-alive socket per request, no cap),
// and reports `burst <json>`. `warm` obtains the first token and reports `warm`.
import { createInterface } from 'node:readline';
import { clientCredentials, createTokenManager, type TokenStore } from '@brace/auth';
import { authFetch } from '@brace/auth/fetch';
import type { ChildConfig } from './child-main.js';

const line = (text: string) => process.stdout.write(`${text}\n`);

/** What one burst measured in this worker. */
export interface WorkerBurst {
  statuses: Record<string, number>;
  /** Requests fired before the old token's expiry and answered after it. */
  inFlightAtExpiry: number;
  /** Milliseconds from firing to the response, worst. */
  maxLatencyMs: number;
}

/** Runs the burst worker until the parent kills it. */
export async function runBurst(config: ChildConfig, store: TokenStore): Promise<void> {
  const auth = createTokenManager({
    grant: clientCredentials({
      tokenUrl: config.tokenUrl,
      clientId: 'app',
      clientSecret: config.clientSecret,
      allowInsecureRequests: true,
    }),
    store,
    key: config.key,
    // The storm case: no refresh ahead of expiry, so every request of the burst meets the
    // expiry (a token is handed out at most expirySkewMs before it expires).
    proactive: false,
    refreshBeforeMs: 0,
    jitterMs: 0,
    expirySkewMs: config.expirySkewMs ?? 1000,
    pollIntervalMs: 50,
  });
  const api = authFetch(auth);
  const fire = async (at: number, oldExpiry: number): Promise<WorkerBurst> => {
    await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
    const fired = Date.now();
    const statuses: Record<string, number> = {};
    let inFlightAtExpiry = 0;
    let maxLatencyMs = 0;
    await Promise.all(
      Array.from({ length: config.requests ?? 0 }, async () => {
        const status = await api(config.resourceUrl).then(
          async (r) => {
            await r.arrayBuffer();
            return String(r.status);
          },
          (e: { code?: string }) => e.code ?? 'error',
        );
        const done = Date.now();
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (fired <= oldExpiry && done > oldExpiry) inFlightAtExpiry++;
        maxLatencyMs = Math.max(maxLatencyMs, done - fired);
      }),
    );
    return { statuses, inFlightAtExpiry, maxLatencyMs };
  };
  createInterface({ input: process.stdin }).on('line', (text) => {
    const [verb, a, b] = text.split(' ');
    if (verb === 'warm') {
      auth.getToken().then(
        () => line('warm'),
        (e: { code?: string }) => line(`warm-failed ${e.code ?? 'error'}`),
      );
    } else if (verb === 'go') {
      void fire(Number(a), Number(b)).then((r) => line(`burst ${JSON.stringify(r)}`));
    }
  });
  line('ready');
}
