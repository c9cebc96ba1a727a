// A worker process for the multi-process test: processes the inbox on PostgreSQL until killed.
// argv: DATABASE_URL table ledgerTable workerId [concurrency]
import pg from 'pg';
import { createInbox } from '../inbox.js';
import { postgresInboxStore } from '../postgres.js';

const [url, table, ledger, worker, slots = '4'] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
];
const concurrency = Number(slots);
const pool = new pg.Pool({ connectionString: url, max: concurrency + 2 });
const inbox = createInbox({
  store: postgresInboxStore({ client: pool, table }),
  providers: { stripe: { secret: 'unused-here' } },
  worker,
  concurrency,
  leaseMs: 1_500,
  pollIntervalMs: 50,
  retry: { attempts: 3, baseMs: 5, capMs: 20 },
  handlers: {
    stripe: {
      '*': async (event, { transaction }) => {
        if (event.eventId.endsWith('_poison')) throw new Error('this handler always fails');
        await transaction!(async (tx) => {
          await tx.query(`INSERT INTO "${ledger}" (event_id) VALUES ($1)`, [event.eventId]);
        });
      },
    },
  },
});
inbox.start();
process.send?.('ready');
process.on('SIGTERM', () => {
  void inbox
    .stop({ drainMs: 1_000 })
    .then(() => pool.end())
    .then(() => process.exit(0));
});
