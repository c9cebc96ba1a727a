import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Imported dynamically, after vitest's `#crypto` alias (vitest.shared.ts) is in place.
const { runDemo } = await import('./demo.js');

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI !== 'true') {
  console.warn(
    `report.test.ts: ${CHROMIUM} is missing, skipping the browser check (apt-get install chromium)`,
  );
}

// Under CI=true the browser check never skips: a missing Chromium fails it.
describe.skipIf(!hasChromium && process.env.CI !== 'true')('--report in headless Chromium', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'brace-demo-report-'));
    file = join(dir, 'report.html');
    await runDemo({ links: 100, rate: 50, store: 'memory', quiet: true, report: file });
  }, 60_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is self-contained: no external scripts, styles, images or fonts', async () => {
    const html = await readFile(file, 'utf8');
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);
  });

  it('draws both timelines with bars, the limit line and the retries line', {
    timeout: 60_000,
  }, async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const page = await browser.newPage();
      const external: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith('file:')) external.push(request.url());
      });
      await page.goto(pathToFileURL(file).href);
      const charts = await page.$$eval('svg.timeline', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          const bars = [...svg.querySelectorAll('rect.ok')].map((r) => r.getBoundingClientRect());
          const limit = svg.querySelector('path.limit')?.getBoundingClientRect();
          const retries = svg.querySelector('path.retries')?.getAttribute('d') ?? '';
          return {
            client: svg.getAttribute('data-client'),
            width: box.width,
            height: box.height,
            bars: bars.length,
            tallestBar: Math.max(0, ...bars.map((b) => b.height)),
            limitWidth: limit?.width ?? 0,
            retryPoints: retries.split('L').length,
            limited: svg.querySelectorAll('rect.limited').length,
          };
        }),
      );
      expect(charts.map((c) => c.client)).toEqual(['naive', 'brace']);
      for (const chart of charts) {
        expect(chart.width).toBeGreaterThan(100);
        expect(chart.height).toBeGreaterThan(100);
        expect(chart.bars).toBeGreaterThan(0);
        expect(chart.tallestBar).toBeGreaterThan(0);
        expect(chart.limitWidth).toBeGreaterThan(100);
        expect(chart.retryPoints).toBe(chart.bars);
      }
      // The naive client earned 429s (red segments); Brace earned none.
      expect(charts[0]?.limited).toBeGreaterThan(0);
      expect(charts[1]?.limited).toBe(0);
      expect(external).toEqual([]);
      await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
