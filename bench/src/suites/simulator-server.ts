// A server for the simulator suite, in a process of its own (so the load generator does not
// share its event loop): `bare` is a plain node:http server giving the same answer, `sim` the
// simulator without faults, `faults` the simulator with faults and a rate limit on. Prints the
// URL, then serves until killed. Each line `cpu` on stdin is answered with `cpu <µs>`, the
// process's CPU time so far (user + system), so the suite can report CPU per request, a figure
// a busy machine disturbs far less than requests per second.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProvider } from '@brace/simulator';

const mode = process.argv[2];

process.stdin.setEncoding('utf8');
process.stdin.on('data', (text: string) => {
  for (const line of text.split('\n')) {
    if (line.trim() !== 'cpu') continue;
    const { user, system } = process.cpuUsage();
    process.stdout.write(`cpu ${user + system}\n`);
  }
});
const BODY = Buffer.from('{"data":[]}');

if (mode === 'bare') {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(BODY.length),
      });
      res.end(BODY);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
  });
} else {
  const provider = await createProvider({
    seed: 1,
    rateLimit: mode === 'faults' ? { limit: 1_000_000_000, windowMs: 1000 } : false,
    faults:
      mode === 'faults'
        ? {
            error: 0.05,
            rateLimit: 0.03,
            rateLimitNoRetryAfter: 0.02,
            script: { 'GET /items/:id': [503, 503, 200] },
          }
        : {},
    transcriptLimit: 0,
  });
  process.stdout.write(`listening ${provider.url}\n`);
}
