/**
 * The server URL a test file needs, or undefined (with a visible notice) when it is not set.
 * Under CI=true a missing URL throws, so the run fails instead of silently skipping.
 */
export function serverUrl(name: 'REDIS_URL' | 'DATABASE_URL', what: string): string | undefined {
  const url = process.env[name];
  if (url) return url;
  if (process.env.CI === 'true') {
    throw new Error(`${name} is not set but CI=true: ${what} tests need a server.`);
  }
  // biome-ignore lint/suspicious/noConsole: tests skip with a visible notice
  console.warn(`[@brace/auth-redis] ${name} is not set: skipping ${what} tests.`);
  return undefined;
}

/** A key prefix no other run (or helper sharing the server) uses. */
export function randomPrefix(label: string): string {
  return `brace:test:auth:${label}:${crypto.randomUUID()}:`;
}

/** Deletes every key under a prefix (SCAN, never FLUSH*: the server is shared). */
export { deletePrefix } from 'brace-redis-prefix';
