// One `--workers` process: runs its share of the campaign with the client it was told to, its
// shared parts (limit, token, cache) on the Redis or PostgreSQL the demo chose, phase by phase
// as the demo's process asks over IPC.
import type { SharedOptions } from '@brace/client';
import type { LinkInput } from '../clients/types.js';
import { openSession, type Session } from '../session.js';
import { shiftedClock } from '../time/shifted-clock.js';
import { type Channel, rpc, type WorkerConfig } from './protocol.js';

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
const channel = process as unknown as Channel;
const clock = shiftedClock();
let session: Session | undefined;
let closeShared: () => Promise<void> = async () => {};

async function openShared(): Promise<SharedOptions> {
  const spec = config.shared;
  if (spec.kind === 'redis') {
    const { Redis } = await import('ioredis');
    const redis = new Redis(spec.url, { maxRetriesPerRequest: 2 });
    closeShared = async () => {
      await redis.quit();
    };
    return { redis, prefix: spec.prefix };
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: spec.url, max: 4 });
  closeShared = () => pool.end();
  return { postgres: pool, table: spec.table };
}

const need = (): Session => {
  if (session === undefined) throw new Error('The worker has no session yet.');
  return session;
};

const link = rpc(channel, async (method, params) => {
  switch (method) {
    case 'open': {
      session = await openSession({ ...config.setup, shared: await openShared() }, clock);
      return null;
    }
    case 'create': {
      const outcome = await need().create(params as LinkInput[]);
      return { ...outcome, problems: {} };
    }
    case 'reads':
      return need().reads(params as string[], {
        setOutage: (on) => link.call('outage', on),
      });
    case 'advance':
      return need().advance(params as number);
    case 'report':
      return need().report();
    case 'close':
      await closeShared();
      setImmediate(() => process.disconnect?.());
      return null;
    default:
      throw new Error(`Unknown request ${method}.`);
  }
});
