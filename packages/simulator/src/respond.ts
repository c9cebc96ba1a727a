import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '@brace/core';
import type { FaultName } from './faults.js';
import type { Answer } from './idempotency.js';

/** How many pieces a `slowBody` answer is sent in. */
export const SLOW_BODY_CHUNKS = 8;

/** Timing for the faults that take time. */
export interface FaultTiming {
  clock: Pick<Clock, 'sleep'>;
  signal: AbortSignal;
  slowMs: number;
  slowBodyMs: number;
}

const gone = (res: ServerResponse) => res.destroyed || res.socket === null || res.socket.destroyed;

/**
 * Sends an answer, applying an after-commit fault. Resolves with the status the client saw
 * (0 when it saw none).
 */
export async function sendAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  answer: Answer,
  fault: FaultName | 'none',
  timing: FaultTiming,
): Promise<number> {
  const headers = { ...answer.headers, 'content-length': String(answer.body.length) };
  try {
    if (fault === 'drop') {
      req.socket.destroy();
      return 0;
    }
    if (fault === 'slow') {
      await timing.clock.sleep(timing.slowMs, timing.signal);
      if (gone(res)) return 0;
    }
    if (fault === 'slowBody' || fault === 'truncate') {
      res.writeHead(answer.status, headers);
      res.flushHeaders();
      const length = fault === 'truncate' ? Math.floor(answer.body.length / 2) : answer.body.length;
      const pieces = fault === 'truncate' ? 1 : SLOW_BODY_CHUNKS;
      const size = Math.max(1, Math.ceil(length / pieces));
      for (let offset = 0; offset < length; offset += size) {
        if (fault === 'slowBody')
          await timing.clock.sleep(timing.slowBodyMs / pieces, timing.signal);
        if (gone(res)) return answer.status;
        res.write(answer.body.subarray(offset, Math.min(length, offset + size)));
      }
      if (fault === 'truncate') {
        // Let the half body reach the client before the connection closes under it.
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        req.socket.destroy();
      } else res.end();
      return answer.status;
    }
    res.writeHead(answer.status, headers);
    res.end(answer.body);
    return answer.status;
  } catch {
    // The provider is closing (the wait was aborted): the client sees the connection close.
    res.destroy();
    return 0;
  }
}

/** Resets the connection (a TCP RST). */
export function resetConnection(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}
