import { problem } from '@brace/problem-details';
import type { Ledger } from './ledger.js';

/** A short link as the provider stores it. */
export interface Link {
  id: string;
  url: string;
  recipientId: string;
  createdAt: string;
}

export const PROBLEM_BASE = 'https://provider.example/problems';
const MAX_BODY = 4096;

/** What a link read says about caching: fresh for a second, usable while the API fails for 10 minutes. */
export const READ_CACHE_CONTROL = 'max-age=1, stale-if-error=600';

/** Options of {@link createLinksApi}. */
export interface LinksApiOptions {
  ledger: Ledger;
  /** The public origin short URLs are built on. */
  shortOrigin: string;
  /** After this many links the response schema drifts (renamed and added fields). */
  driftAfter: number;
  /** Called after each committed link (the provider sends its webhook). */
  onCreated: (link: Link) => void;
}

/** The short-links API as a Web handler; the idempotency middleware wraps it. */
export function createLinksApi(options: LinksApiOptions) {
  const links = new Map<string, Link>();
  let sequence = 0;
  const { ledger } = options;

  /** Before the drift: `shortUrl`; after: `short_url` plus a new `clicks` field. */
  const present = (link: Link, drifted: boolean): Record<string, unknown> => {
    const shortUrl = `${options.shortOrigin}/${link.id}`;
    return drifted
      ? { ...link, short_url: shortUrl, clicks: 0 }
      : {
          id: link.id,
          url: link.url,
          shortUrl,
          recipientId: link.recipientId,
          createdAt: link.createdAt,
        };
  };

  const invalid = (detail: string): Response => {
    ledger.badRequests++;
    return problem({
      type: `${PROBLEM_BASE}/invalid-link`,
      title: 'Invalid link',
      status: 422,
      detail,
    });
  };

  const create = async (request: Request): Promise<Response> => {
    const text = await request.text();
    if (text.length > MAX_BODY) return invalid(`The body is over ${MAX_BODY} bytes.`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return invalid('The body is not JSON.');
    }
    const { url, recipientId } = (body ?? {}) as { url?: unknown; recipientId?: unknown };
    if (typeof url !== 'string' || !URL.canParse(url))
      return invalid('`url` must be an absolute URL.');
    if (typeof recipientId !== 'string' || recipientId === '') {
      return invalid('`recipientId` must be a non-empty string.');
    }
    sequence++;
    const link: Link = {
      id: `l_${sequence.toString(36).padStart(6, '0')}`,
      url,
      recipientId,
      createdAt: new Date().toISOString(),
    };
    links.set(link.id, link);
    ledger.linkCreated(recipientId, link.id);
    options.onCreated(link);
    return Response.json(present(link, ledger.linksCreated > options.driftAfter), { status: 201 });
  };

  const read = (id: string): Response => {
    const link = links.get(id);
    if (link === undefined) {
      return problem({ title: 'Not Found', status: 404, detail: `No link ${id.slice(0, 40)}.` });
    }
    // Reads may be cached, and served stale for up to 10 minutes while the provider fails.
    return Response.json(present(link, ledger.linksCreated > options.driftAfter), {
      headers: { 'cache-control': READ_CACHE_CONTROL },
    });
  };

  return async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === '/status' && request.method === 'GET') return Response.json({ ok: true });
    if (pathname === '/links' && request.method === 'POST') return create(request);
    if (pathname.startsWith('/links/') && request.method === 'GET') {
      return read(decodeURIComponent(pathname.slice('/links/'.length)));
    }
    return problem({ status: 404, detail: `No route ${request.method} ${pathname.slice(0, 80)}.` });
  };
}
