import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { SimulatorOptionsError } from './errors.js';
import { fillSecrets } from './fill-secrets.js';
import { readBody, writeAnswer } from './node-io.js';
import type { Fixture, Interaction } from './record.js';
import { redactBody, redactPath } from './redact.js';
import { closeServer, listen, type RunningServer } from './serve.js';
import { shapeDiff, shapeOf } from './shape.js';

/** Reads a fixture file, or passes a fixture object through. */
async function load(fixture: Fixture | string): Promise<Fixture> {
  const value: unknown =
    typeof fixture === 'string' ? JSON.parse(await readFile(fixture, 'utf8')) : fixture;
  const f = value as Fixture;
  if (f?.version !== 1 || !Array.isArray(f.interactions)) {
    throw new SimulatorOptionsError(
      'The fixture is not a version-1 fixture written by createRecorder.',
    );
  }
  return f;
}

/**
 * Serves a recorded fixture offline: each request gets the recorded answer to the same method,
 * path and body (or, failing that, the same method and path); repeats are served in recorded
 * order, the last one again after that. Unrecorded requests get 404.
 *
 * @param options - the fixture (object or file path), port, host
 * @returns the server's `url` and `close()`
 *
 * @example
 * ```ts
 * import { replayFixture } from '@brace/simulator';
 *
 * const server = await replayFixture({ fixture: 'fixtures/github.json' });
 * const repo = await fetch(`${server.url}/repos/octocat/hello-world`); // as recorded, offline
 * await server.close();
 * ```
 */
export async function replayFixture(options: {
  fixture: Fixture | string;
  port?: number;
  host?: string;
}): Promise<RunningServer> {
  const fixture = await load(options.fixture);
  const exact = new Map<string, Interaction[]>();
  const loose = new Map<string, Interaction[]>();
  for (const i of fixture.interactions) {
    const key = `${i.request.method} ${i.request.path}`;
    exact.set(`${key}\n${i.request.body}`, [...(exact.get(`${key}\n${i.request.body}`) ?? []), i]);
    loose.set(key, [...(loose.get(key) ?? []), i]);
  }
  const served = new Map<string, number>();
  const server = createServer((req, res) => {
    void readBody(req).then(
      (body) => {
        // Redacted as the recorder redacted it, so a request carrying its real secrets matches.
        const key = `${req.method ?? 'GET'} ${redactPath(req.url ?? '/')}`;
        const text = redactBody(body.toString('utf8'), req.headers['content-type'] ?? '');
        const exactKey = `${key}\n${text}`;
        const [listKey, list] = exact.has(exactKey)
          ? [exactKey, exact.get(exactKey)]
          : [key, loose.get(key)];
        if (list === undefined) {
          const problem = {
            type: 'about:blank',
            title: 'Not Found',
            status: 404,
            detail: `No recorded interaction for ${key.slice(0, 200)}.`,
          };
          return writeAnswer(
            res,
            404,
            { 'content-type': 'application/problem+json' },
            Buffer.from(JSON.stringify(problem)),
          );
        }
        const n = served.get(listKey) ?? 0;
        served.set(listKey, n + 1);
        const { response } = list[Math.min(n, list.length - 1)] as Interaction;
        writeAnswer(res, response.status, response.headers, Buffer.from(response.body));
      },
      () => res.destroy(),
    ); // the client went away mid-body: nothing to answer
  });
  const url = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return { url, close: () => closeServer(server) };
}

/**
 * One recorded interaction whose live answer has another shape.
 *
 * @example
 * ```ts
 * import type { DriftEntry } from '@brace/simulator';
 *
 * const line = (d: DriftEntry) => `${d.method} ${d.path}: ${d.differences.join('; ')}`;
 * ```
 */
export interface DriftEntry {
  /** The recorded request's method. */
  method: string;
  /** Its path and query. */
  path: string;
  /** The status recorded. */
  recordedStatus: number;
  /** The status the target answers now. */
  liveStatus: number;
  /** One line per difference: `$.user.login: removed`, `$.id: number → string`, `status 200 → 404`. */
  differences: string[];
}

function parsed(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/**
 * Options of {@link checkFixtureDrift}.
 *
 * @example
 * ```ts
 * import type { FixtureDriftOptions } from '@brace/simulator';
 *
 * const options: FixtureDriftOptions = {
 *   fixture: 'fixtures/stripe.json',
 *   target: 'https://api.stripe.com',
 *   headers: { authorization: `Bearer ${process.env.STRIPE_KEY}` },
 * };
 * ```
 */
export interface FixtureDriftOptions {
  /** The fixture (object or file path). */
  fixture: Fixture | string;
  /** The origin to replay against. */
  target: string;
  /** Headers added to every request (a fresh `authorization`, say); they replace recorded ones. */
  headers?: Record<string, string>;
  /**
   * Values for what the recorder redacted, by header, query parameter or JSON/form field name
   * (case-insensitive): `{ client_secret: process.env.CLIENT_SECRET, api_key: … }`.
   */
  credentials?: Record<string, string>;
  /** Interactions not to replay. */
  skip?: (interaction: Interaction) => boolean;
  /**
   * Told of each interaction not replayed because a redacted value has no substitute (`missing`
   * names them: `header authorization`, `query api_key`, `field client_secret`).
   */
  onSkipped?: (interaction: Interaction, missing: string[]) => void;
}

/**
 * Replays every recorded request against `target` (the real API again, or another simulator) and
 * reports each answer whose status or JSON shape differs from the recording. The recorder
 * redacted the secrets; a redacted value is never sent as it is (a literal `[REDACTED]` would be
 * a wrong credential, and its 401 a false drift). Give `headers` (a fresh `authorization`) and
 * `credentials` (other secrets by name) to fill them in; an interaction that still holds a
 * redacted value is not replayed but passed to `onSkipped`, and left out of the comparison.
 *
 * @param options - the fixture, the target origin, `headers`, `credentials`, `skip`, `onSkipped`
 * @returns the interactions that drifted (empty when none did)
 *
 * @example
 * ```ts
 * import { checkFixtureDrift } from '@brace/simulator';
 *
 * const drift = await checkFixtureDrift({
 *   fixture: 'fixtures/github.json',
 *   target: 'https://api.github.com',
 *   headers: { authorization: `Bearer ${process.env.GITHUB_TOKEN}` },
 *   credentials: { client_secret: process.env.GITHUB_CLIENT_SECRET ?? '' },
 *   onSkipped: (i, missing) => console.warn('not replayed:', i.request.path, missing),
 * });
 * for (const d of drift) console.log(d.method, d.path, d.differences);
 * ```
 */
export async function checkFixtureDrift(options: FixtureDriftOptions): Promise<DriftEntry[]> {
  const fixture = await load(options.fixture);
  const target = new URL(options.target).origin;
  const given = options.headers ?? {};
  const out: DriftEntry[] = [];
  for (const interaction of fixture.interactions) {
    if (options.skip?.(interaction)) continue;
    const { request, response } = interaction;
    const filled = fillSecrets(request, options.credentials ?? {}, given);
    if (filled.missing.length > 0) {
      options.onSkipped?.(interaction, filled.missing);
      continue;
    }
    const live = await fetch(`${target}${filled.path}`, {
      method: request.method,
      headers: { ...filled.headers, ...given },
      body:
        request.method === 'GET' || request.method === 'HEAD' || filled.body === ''
          ? null
          : filled.body,
    });
    const liveBody = await live.text();
    const differences =
      live.status === response.status ? [] : [`status ${response.status} → ${live.status}`];
    differences.push(...shapeDiff(shapeOf(parsed(response.body)), shapeOf(parsed(liveBody))));
    if (differences.length > 0) {
      out.push({
        method: request.method,
        path: request.path,
        recordedStatus: response.status,
        liveStatus: live.status,
        differences,
      });
    }
  }
  return out;
}
