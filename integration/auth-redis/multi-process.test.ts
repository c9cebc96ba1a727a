import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import {
  deletePrefix,
  randomPrefix,
  serverUrl,
} from '../../packages/auth-redis/src/test-utils/env.js';
import { describeMultiProcessStore } from '../auth/test-utils/multi-process-suite.js';

const url = serverUrl('REDIS_URL', 'multi-process Redis');
const prefix = randomPrefix('mp');

describeMultiProcessStore({
  name: 'Redis',
  tag: 'auth-redis',
  url,
  workerEntry: fileURLToPath(new URL('./worker.ts', import.meta.url)),
  env: { REDIS_URL: url as string, AUTH_TEST_PREFIX: prefix },
  async tearDown() {
    const client = new Redis(url as string);
    await deletePrefix(client, prefix);
    client.disconnect();
  },
});
