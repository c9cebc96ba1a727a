// The API docs site as a reader meets it: TypeDoc builds it (validation on, warnings are errors),
// a loopback server serves it, and headless Chromium opens it: the webhook-verify package page
// shows that package's own README, and the search finds words in the documentation text.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const browserCheck = hasChromium || process.env.CI === 'true';
if (!browserCheck) {
  console.warn(
    `docs-site.test.ts: ${CHROMIUM} is missing, skipping the browser checks of the docs site (apt-get install chromium)`,
  );
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

let out: string;
let server: Server | undefined;
let base: string;
let build: { status: number | null; output: string };

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'brace-docs-'));
  const typedoc = join(root, 'node_modules/typedoc/bin/typedoc');
  const r = spawnSync(process.execPath, [typedoc, '--out', out], { cwd: root, encoding: 'utf8' });
  build = { status: r.status, output: `${r.stdout}${r.stderr}` };
  server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(out, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(out)) return void res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}, 300_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await rm(out, { recursive: true, force: true });
});

describe('the TypeDoc site', () => {
  it('builds with validation and no warnings', () => {
    expect(build.output).not.toMatch(/\[warning\]|\[error\]/);
    expect(build.status).toBe(0);
    expect(existsSync(join(out, 'modules/_brace_webhook-verify.html'))).toBe(true);
  });

  describe.skipIf(!browserCheck)('in headless Chromium', () => {
    it('shows each package its own README, and finds documentation text', {
      timeout: 120_000,
    }, async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        const page = await browser.newPage();
        const offsite: string[] = [];
        page.on('request', (request) => {
          if (!request.url().startsWith(base)) offsite.push(request.url());
        });

        // The package page: webhook-verify's README heading, not the root README's.
        const heading = readFileSync(join(root, 'packages/webhook-verify/README.md'), 'utf8')
          .split('\n')[0]!
          .replace(/^#\s+/, '');
        const rootHeading = readFileSync(join(root, 'README.md'), 'utf8')
          .split('\n')[0]!
          .replace(/^#\s+/, '');
        await page.goto(`${base}modules/_brace_webhook-verify.html`);
        const readmeHeadings = await page
          .locator('.col-content .tsd-typography h1')
          .allTextContents();
        expect(readmeHeadings.map((h) => h.trim())).toContain(heading);
        expect(readmeHeadings.map((h) => h.trim())).not.toContain(rootHeading);

        // Search: "retry budget" leads to a guide, "shopify" to the one on webhooks in Express.
        const search = async (query: string) => {
          await page.goto(base);
          await page.click('#tsd-search-trigger');
          await page.fill('#tsd-search-input', query);
          const results = page.locator('#tsd-search-results li a');
          await results.first().waitFor({ timeout: 30_000 });
          return results.evaluateAll((links) =>
            links.map((a) => ({ href: a.getAttribute('href') ?? '', text: a.textContent ?? '' })),
          );
        };
        const budget = await search('retry budget');
        expect(budget.some((r) => r.href.includes('documents/'))).toBe(true);
        const shopify = await search('shopify');
        expect(
          shopify.some((r) => r.href.includes('documents/') && r.href.includes('Shopify')),
        ).toBe(true);

        expect(offsite).toEqual([]);
      } finally {
        await browser.close();
      }
    });
  });
});
