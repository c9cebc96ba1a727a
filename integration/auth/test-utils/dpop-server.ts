// A loopback authorization server and resource server that verify DPoP proofs (RFC 9449):
// signature (ES256, the proof's own jwk), typ, htm, htu, iat, unique jti, the server's nonce,
// and on the resource `ath` and the token's key binding (jkt). Each server asks for a nonce
// first (`use_dpop_nonce`), so nonce handling is exercised on both.
import { type RunningServer, serveFetch } from '@brace/simulator';

const b64u = (bytes: ArrayBuffer | Uint8Array) =>
  Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('base64url');
const sha256 = async (text: string) =>
  b64u(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));

/** What the DPoP servers counted. */
export interface DpopCounts {
  tokenRequests: number;
  tokensIssued: number;
  resourceOk: number;
  nonceChallenges: number;
  /** Proofs refused, by reason. */
  refused: Record<string, number>;
}

/** The two servers. */
export interface DpopServers {
  tokenUrl: string;
  resourceUrl: string;
  counts: DpopCounts;
  /** Expires every token issued so far (the next resource request is a 401). */
  expireAll(): void;
  close(): Promise<unknown>;
}

interface Verified {
  jkt: string;
  payload: Record<string, unknown>;
}

/** Verifies a proof for `method` and `url`; throws a reason. */
async function verifyProof(
  proof: string | null,
  method: string,
  url: string,
  seen: Set<string>,
): Promise<Verified> {
  if (proof === null) throw new Error('missing');
  const [h, p, sig] = proof.split('.');
  const header = JSON.parse(Buffer.from(h ?? '', 'base64url').toString()) as {
    typ?: string;
    alg?: string;
    jwk?: { crv?: string; kty?: string; x?: string; y?: string };
  };
  const payload = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
  if (header.typ !== 'dpop+jwt' || header.alg !== 'ES256' || header.jwk === undefined) {
    throw new Error('header');
  }
  const key = await crypto.subtle.importKey(
    'jwk',
    header.jwk,
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  const ok = await crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    Buffer.from(sig ?? '', 'base64url'),
    new TextEncoder().encode(`${h}.${p}`),
  );
  if (!ok) throw new Error('signature');
  const u = new URL(url);
  if (payload.htm !== method || payload.htu !== `${u.origin}${u.pathname}`)
    throw new Error('htm-htu');
  if (typeof payload.iat !== 'number' || Math.abs(payload.iat - Date.now() / 1000) > 60) {
    throw new Error('iat');
  }
  if (typeof payload.jti !== 'string' || seen.has(payload.jti)) throw new Error('jti');
  seen.add(payload.jti);
  const { crv, kty, x, y } = header.jwk;
  const jkt = await sha256(JSON.stringify({ crv, kty, x, y }));
  return { jkt, payload };
}

/** Starts both servers on 127.0.0.1; `clientSecret` authenticates client `app` (Basic). */
export async function dpopServers(clientSecret: string, ttlSec = 600): Promise<DpopServers> {
  const counts: DpopCounts = {
    tokenRequests: 0,
    tokensIssued: 0,
    resourceOk: 0,
    nonceChallenges: 0,
    refused: {},
  };
  const tokens = new Map<string, { jkt: string; expiresAt: number }>();
  const seen = new Set<string>();
  const refuse = (reason: string) => {
    counts.refused[reason] = (counts.refused[reason] ?? 0) + 1;
  };
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    });
  const AS_NONCE = 'as-nonce-1';
  const RS_NONCE = 'rs-nonce-1';

  const as: RunningServer = await serveFetch(async (request) => {
    counts.tokenRequests++;
    let v: Verified;
    try {
      v = await verifyProof(request.headers.get('dpop'), 'POST', request.url, seen);
    } catch (e) {
      refuse(`token:${(e as Error).message}`);
      return json(400, { error: 'invalid_dpop_proof' });
    }
    if (v.payload.nonce !== AS_NONCE) {
      counts.nonceChallenges++;
      return json(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': AS_NONCE });
    }
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before Base64.
    const basic = Buffer.from((request.headers.get('authorization') ?? '').slice(6), 'base64')
      .toString()
      .split(':')
      .map((part) => decodeURIComponent(part.replaceAll('+', ' ')));
    if (basic[0] !== 'app' || basic[1] !== clientSecret) {
      return json(401, { error: 'invalid_client' });
    }
    const form = new URLSearchParams(await request.text());
    if (form.get('grant_type') !== 'client_credentials')
      return json(400, { error: 'unsupported_grant_type' });
    const token = `dpop_at_${crypto.randomUUID()}`;
    tokens.set(token, { jkt: v.jkt, expiresAt: Date.now() + ttlSec * 1000 });
    counts.tokensIssued++;
    return json(200, { access_token: token, token_type: 'DPoP', expires_in: ttlSec });
  });

  const challenge = (error: string, extra: Record<string, string> = {}) =>
    new Response(null, {
      status: 401,
      headers: { 'www-authenticate': `DPoP error="${error}", algs="ES256"`, ...extra },
    });
  const rs: RunningServer = await serveFetch(async (request) => {
    const auth = /^DPoP (\S+)$/.exec(request.headers.get('authorization') ?? '');
    if (auth === null) {
      refuse('resource:scheme');
      return challenge('invalid_token');
    }
    const token = auth[1] as string;
    let v: Verified;
    try {
      v = await verifyProof(request.headers.get('dpop'), request.method, request.url, seen);
    } catch (e) {
      refuse(`resource:${(e as Error).message}`);
      return challenge('invalid_dpop_proof');
    }
    if (v.payload.nonce !== RS_NONCE) {
      counts.nonceChallenges++;
      return challenge('use_dpop_nonce', { 'dpop-nonce': RS_NONCE });
    }
    if (v.payload.ath !== (await sha256(token))) {
      refuse('resource:ath');
      return challenge('invalid_dpop_proof');
    }
    const record = tokens.get(token);
    if (record === undefined || record.jkt !== v.jkt || record.expiresAt <= Date.now()) {
      refuse(
        record === undefined
          ? 'resource:unknown'
          : record.jkt !== v.jkt
            ? 'resource:jkt'
            : 'resource:expired',
      );
      return challenge('invalid_token');
    }
    counts.resourceOk++;
    return json(200, { ok: true, method: request.method, body: await request.text() });
  });

  return {
    tokenUrl: `${as.url}/token`,
    resourceUrl: `${rs.url}/resource`,
    counts,
    expireAll() {
      for (const t of tokens.values()) t.expiresAt = 0;
    },
    close: () => Promise.all([as.close(), rs.close()]),
  };
}
