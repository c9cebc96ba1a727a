// A settled heap before a measured segment: with it, a collection caused by one contender's
// garbage does not land in the next contender's segment (the paired CPU rounds of the
// idempotency and client suites both rely on it).
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;
/** A full garbage collection (exposed at run time when the process lacks --expose-gc). */
function gc(): void {
  if (collect === undefined) {
    const global = (globalThis as { gc?: () => void }).gc;
    if (global !== undefined) collect = global;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
}

/** The heap settled: two full collections, then 5 ms for the concurrent sweeper to finish. */
export async function settle(): Promise<void> {
  gc();
  gc();
  await sleep(5);
}
