import type { SessionSetup } from '../session.js';

/** Where the worker processes' shared parts live (`--workers`). */
export type SharedSpec =
  | { kind: 'redis'; url: string; prefix: string }
  | { kind: 'postgres'; url: string; table: string };

/** What a worker process is started with (one JSON argument). */
export interface WorkerConfig {
  setup: Omit<SessionSetup, 'shared'>;
  shared: SharedSpec;
}

/** A request over the IPC channel (either way) and its answer. */
export interface RpcRequest {
  kind: 'request';
  id: number;
  method: string;
  params: unknown;
}
export interface RpcAnswer {
  kind: 'answer';
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/** The IPC end of a process: the child's `process` or the parent's `ChildProcess`. */
export interface Channel {
  send(message: unknown): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

/**
 * Request/answer over a Node IPC channel: `call(method, params)` resolves the other side's
 * answer; `handle` answers the other side's requests. `fail(reason)` rejects every call
 * still waiting (the other process exited).
 */
export function rpc(
  channel: Channel,
  handle: (method: string, params: unknown) => Promise<unknown>,
) {
  let next = 0;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  channel.on('message', (raw) => {
    const message = raw as RpcRequest | RpcAnswer;
    if (message?.kind === 'answer') {
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.ok) pending?.resolve(message.value);
      else pending?.reject(new Error(message.error ?? 'The worker failed.'));
    } else if (message?.kind === 'request') {
      handle(message.method, message.params).then(
        (value) => channel.send({ kind: 'answer', id: message.id, ok: true, value }),
        (error: unknown) =>
          channel.send({
            kind: 'answer',
            id: message.id,
            ok: false,
            error: (error as Error)?.message ?? String(error),
          }),
      );
    }
  });
  return {
    call<T>(method: string, params?: unknown): Promise<T> {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        channel.send({ kind: 'request', id, method, params: params ?? null });
      });
    },
    fail(reason: Error) {
      for (const pending of waiting.values()) pending.reject(reason);
      waiting.clear();
    },
  };
}
