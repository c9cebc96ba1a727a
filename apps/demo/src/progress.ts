import type { Meter } from './clients/types.js';

/** What the live bar shows. */
export interface ProgressSource {
  label: string;
  total: number;
  done: () => number;
  meter: Meter;
  queueDepth: () => number;
}

const WIDTH = 24;

/** Formats one bar line (pure, for tests). */
export function progressLine(p: {
  label: string;
  done: number;
  total: number;
  rps: number;
  retries: number;
  rateLimited: number;
  queue: number;
}): string {
  const filled = Math.round((p.done / Math.max(1, p.total)) * WIDTH);
  const bar = '█'.repeat(filled) + '░'.repeat(WIDTH - filled);
  return `${p.label.padEnd(6)} ${bar} ${String(p.done).padStart(String(p.total).length)}/${p.total}  ${String(Math.round(p.rps)).padStart(4)} req/s  retries ${p.retries}  429s ${p.rateLimited}  queue ${p.queue}`;
}

/** A live progress bar on stderr, redrawn in place; `stop()` leaves the final line. */
export function startProgress(source: ProgressSource, stream: NodeJS.WriteStream = process.stderr) {
  let lastRequests = 0;
  let lastAt = Date.now();
  let rps = 0;
  const draw = () => {
    const now = Date.now();
    const elapsed = (now - lastAt) / 1000;
    if (elapsed >= 0.5) {
      rps = (source.meter.requests - lastRequests) / elapsed;
      lastRequests = source.meter.requests;
      lastAt = now;
    }
    const line = progressLine({
      label: source.label,
      done: source.done(),
      total: source.total,
      rps,
      retries: source.meter.retries,
      rateLimited: source.meter.rateLimited,
      queue: source.queueDepth(),
    });
    stream.write(`\r\x1b[2K${line}`);
  };
  const timer = setInterval(draw, 200);
  draw();
  return {
    stop() {
      clearInterval(timer);
      draw();
      stream.write('\n');
    },
  };
}
