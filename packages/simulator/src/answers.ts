import type { Answer } from './idempotency.js';
import type { ErrorKind, Preset } from './preset-types.js';
import { titleOf } from './presets/shared.js';

const encoder = new TextEncoder();

/** A JSON answer. */
export function jsonAnswer(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  type = 'application/json',
): Answer {
  return {
    status,
    headers: { 'content-type': type, ...headers },
    body: encoder.encode(JSON.stringify(body)),
  };
}

/** An error answer in the preset's shape (or problem+json). */
export function errorAnswer(
  preset: Preset,
  kind: ErrorKind,
  status: number,
  message: string,
  shape: 'preset' | 'problem' = 'preset',
): Answer {
  if (shape === 'problem') {
    return jsonAnswer(
      status,
      { type: 'about:blank', title: titleOf(status), status, detail: message },
      {},
      'application/problem+json',
    );
  }
  const { contentType, body, status: own } = preset.error(kind, status, message);
  return jsonAnswer(own ?? status, body, {}, contentType);
}

/** Buffers a Web `Response` into an {@link Answer}. */
export async function fromResponse(response: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  delete headers['content-length'];
  return { status: response.status, headers, body: new Uint8Array(await response.arrayBuffer()) };
}

/** The body as text (for the transcript). */
export function bodyText(answer: Answer): string {
  return new TextDecoder().decode(answer.body);
}
