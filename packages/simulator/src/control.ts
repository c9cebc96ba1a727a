import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultPlan, ScriptStep } from './faults.js';
import type { ProviderLedger } from './ledger.js';
import { readBody, writeAnswer } from './node-io.js';

/** The prefix of the control endpoints (`control: true`). */
export const CONTROL_PREFIX = '/_sim/';

const json = (res: ServerResponse, status: number, body: unknown) =>
  writeAnswer(
    res,
    status,
    { 'content-type': 'application/json' },
    Buffer.from(JSON.stringify(body)),
  );

/**
 * `GET /_sim/ledger` (the ledger as JSON; `?transcript=1` adds the transcript) and
 * `POST /_sim/script` (`{"route": "POST /x", "steps": [503, 200]}`): for CLI users and other
 * processes. Never rate-limited, never faulted, never counted.
 */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ledger: ProviderLedger,
  plan: FaultPlan,
): Promise<void> {
  const name = url.pathname.slice(CONTROL_PREFIX.length);
  if (name === 'ledger' && req.method === 'GET') {
    const { transcript, ...rest } = { ...ledger, transcript: ledger.transcript };
    return json(
      res,
      200,
      url.searchParams.get('transcript') === '1' ? { ...rest, transcript } : rest,
    );
  }
  if (name === 'script' && req.method === 'POST') {
    try {
      const { route, steps } = JSON.parse((await readBody(req)).toString('utf8')) as {
        route: string;
        steps: ScriptStep[];
      };
      plan.setScript(route, steps);
      return json(res, 200, { ok: true });
    } catch (error) {
      return json(res, 400, { error: (error as Error).message });
    }
  }
  return json(res, 404, { error: 'Control endpoints: GET /_sim/ledger, POST /_sim/script.' });
}
