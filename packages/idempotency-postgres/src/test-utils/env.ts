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
  console.warn(`[@brace/idempotency-postgres] ${name} is not set: skipping ${what} tests.`);
  return undefined;
}

/** A table name no other run (or helper sharing the server) uses. */
export function randomTable(label: string): string {
  return `brace_test_${label}_${crypto.randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

/**
 * Time allowed for PGlite to boot (compile PostgreSQL's WebAssembly and run initdb), once per
 * test file, in a `beforeAll` of its own: seconds of CPU, many more on a loaded 2-core machine.
 * The tests' own timeouts then cover only their queries, never the boot.
 */
export const PGLITE_BOOT_MS = 180_000;
