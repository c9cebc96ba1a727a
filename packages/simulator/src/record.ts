import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname } from 'node:path';
import { SimulatorOptionsError } from './errors.js';
import { headerRecord, readBody, writeAnswer } from './node-io.js';
import { type RedactOptions, redactBody, redactHeaders, redactPath } from './redact.js';
import { closeServer, listen } from './serve.js';

/**
 * A recorded request and its answer (bodies as UTF-8 text).
 *
 * @example
 * ```ts
 * import type { Interaction } from '@brace/simulator';
 *
 * const label = (i: Interaction) => `${i.request.method} ${i.request.path} → ${i.response.status}`;
 * ```
 */
export interface Interaction {
  /** The request as sent (secrets redacted). */
  request: {
    /** The method. */
    method: string;
    /** Path and query. */
    path: string;
    /** Headers, lower-case names. */
    headers: Record<string, string>;
    /** The body as text. */
    body: string;
  };
  /** The answer as received (secrets redacted). */
  response: {
    /** The status. */
    status: number;
    /** Headers, lower-case names. */
    headers: Record<string, string>;
    /** The body as text. */
    body: string;
  };
}

/**
 * A fixture file: the interactions a recording proxy saw, secrets redacted.
 *
 * @example
 * ```ts
 * import type { Fixture } from '@brace/simulator';
 *
 * const count = (f: Fixture) => f.interactions.length;
 * ```
 */
export interface Fixture {
  /** The format version. */
  version: 1;
  /** The origin that was recorded. */
  target: string;
  /** Every request and answer, in order. */
  interactions: Interaction[];
}

/**
 * Options of {@link createRecorder}.
 *
 * @example
 * ```ts
 * import type { RecorderOptions } from '@brace/simulator';
 *
 * const options: RecorderOptions = { target: 'https://api.github.com', file: 'fixtures/github.json' };
 * ```
 */
export interface RecorderOptions {
  /** The real API's origin, e.g. `https://api.github.com`. */
  target: string;
  /** Where `close()` writes the fixture (JSON; missing folders are created). Optional: `close()` returns it anyway. */
  file?: string;
  /** Extra names to redact. */
  redact?: RedactOptions;
  /** Port of the proxy. Default 0. */
  port?: number;
  /** Host of the proxy. Default `127.0.0.1`. */
  host?: string;
}

/**
 * A running recording proxy.
 *
 * @example
 * ```ts
 * import type { Recorder } from '@brace/simulator';
 *
 * const stop = (r: Recorder) => r.close();
 * ```
 */
export interface Recorder {
  /** The proxy's origin: point your client here. */
  url: string;
  /** What was recorded so far. */
  interactions: Interaction[];
  /** Stops the proxy, writes the fixture file (when `file` was given) and returns the fixture. */
  close(): Promise<Fixture>;
}

/** Request headers never forwarded (hop-by-hop, or rewritten by fetch). */
const HOP = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'accept-encoding',
  'upgrade',
]);
/** Response headers dropped: fetch already decoded the body and set its own framing. */
const RESPONSE_DROP = new Set([
  'content-encoding',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
]);

/**
 * Starts a recording proxy: point your client at its `url`; every request is forwarded to
 * `target` and recorded with its answer, secrets redacted. `close()` writes the fixture file.
 *
 * @param options - target, file, redact, port
 * @returns the proxy's `url`, the `interactions` so far and `close()`
 *
 * @example
 * ```ts
 * import { createRecorder } from '@brace/simulator';
 *
 * const recorder = await createRecorder({ target: 'https://api.github.com', file: 'fixtures/github.json' });
 * await fetch(`${recorder.url}/repos/octocat/hello-world`);
 * const fixture = await recorder.close(); // written, tokens redacted
 * ```
 */
export async function createRecorder(options: RecorderOptions): Promise<Recorder> {
  if (typeof options.target !== 'string' || !URL.canParse(options.target)) {
    throw new SimulatorOptionsError('createRecorder: `target` must be an absolute URL.');
  }
  const target = new URL(options.target).origin;
  const interactions: Interaction[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (!HOP.has(name) && value !== undefined)
          headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const response = await fetch(`${target}${path}`, {
        method,
        headers,
        body:
          method === 'GET' || method === 'HEAD' || body.length === 0 ? null : new Uint8Array(body),
        redirect: 'manual',
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      const answerHeaders = headerRecord(response);
      for (const name of RESPONSE_DROP) delete answerHeaders[name];
      const text = new TextDecoder().decode(bytes);
      interactions.push({
        request: {
          method,
          path: redactPath(path, options.redact),
          headers: redactHeaders(headers, options.redact),
          body: redactBody(body.toString('utf8'), headers['content-type'] ?? '', options.redact),
        },
        response: {
          status: response.status,
          headers: redactHeaders(answerHeaders, options.redact),
          body: redactBody(text, answerHeaders['content-type'] ?? '', options.redact),
        },
      });
      writeAnswer(res, response.status, answerHeaders, bytes);
    })().catch(() => {
      if (!res.headersSent)
        writeAnswer(
          res,
          502,
          { 'content-type': 'text/plain' },
          Buffer.from('recording proxy: the target did not answer'),
        );
      else res.destroy();
    });
  });
  const url = await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url,
    interactions,
    async close() {
      await closeServer(server);
      const fixture: Fixture = { version: 1, target, interactions };
      if (options.file !== undefined) {
        await mkdir(dirname(options.file), { recursive: true });
        await writeFile(options.file, `${JSON.stringify(fixture, null, 2)}\n`);
      }
      return fixture;
    },
  };
}
