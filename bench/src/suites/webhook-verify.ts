// @brace/webhook-verify: verification per scheme at 2 KB and 64 KB against the providers' own
// libraries and a raw crypto baseline per algorithm; JSON.parse timed on its own; and the
// Web Crypto build (loaded beside the node:crypto build, see ../loader.ts).
import {
  createHmac,
  createPublicKey,
  createSecretKey,
  verify as cryptoVerify,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { type Contender, compare, type WorkloadResult } from '../harness.js';
import { WEBHOOK_VERIFY_WEB } from '../loader.js';
import type { Suite } from '../suite.js';
import { target } from '../targets.js';
import { jsonBody, nsOf, times, us } from '../util.js';

const SUITE = 'webhook-verify';
type WV = typeof import('@brace/webhook-verify');

const SW_SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const HMAC_SECRET = 'bench-secret-0123456789abcdef';
const DISCORD_SEED = Buffer.alloc(32, 7);
const URL_ = 'https://example.com/webhooks?source=bench';

interface Case {
  provider: string;
  /** The raw-crypto baseline's algorithm, for the table. */
  algorithm: string;
  body: string;
  headers: Record<string, string>;
  url: string | undefined;
  verifySecret: string;
  /** When it was signed (ms): Brace verifies "now" at this instant, so long runs never age out. */
  signedAt: number;
  /** Raw node:crypto verification of exactly this scheme's signed content. */
  raw: () => boolean;
}

const hex = (s: string) => Buffer.from(s, 'hex');
const b64 = (s: string) => Buffer.from(s, 'base64');

function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A raw baseline: HMAC of `parts` with a cached KeyObject, compared in constant time. */
function hmacCheck(
  alg: string,
  key: KeyObject,
  parts: () => string[],
  sig: () => Buffer,
): () => boolean {
  return () => {
    const h = createHmac(alg, key);
    for (const p of parts()) h.update(p);
    return equal(h.digest(), sig());
  };
}

async function buildCases(wv: WV, size: number): Promise<Case[]> {
  const cases: Case[] = [];
  const hmacKey = createSecretKey(Buffer.from(HMAC_SECRET));
  const swKey = createSecretKey(b64(SW_SECRET.slice(6)));
  const pub = await wv.ed25519PublicKey(DISCORD_SEED);
  const discordKey = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(pub)]),
    format: 'der',
    type: 'spki',
  });
  const providers = Object.keys(wv.providers);
  for (const provider of providers) {
    let body = jsonBody(size);
    if (provider === 'linear') body = `{"webhookTimestamp":${Date.now()},${body.slice(1)}`;
    if (provider === 'twilio') body = formBody(size); // Twilio posts form parameters
    const secret =
      provider === 'standard-webhooks' || provider === 'svix'
        ? SW_SECRET
        : provider === 'discord'
          ? DISCORD_SEED.toString('hex')
          : HMAC_SECRET;
    const signed = await wv.signWebhook({ provider: provider as never, secret, body, url: URL_ });
    const h = signed.headers;
    const verifySecret =
      provider === 'discord'
        ? Buffer.from(pub).toString('hex')
        : provider === 'standard-webhooks' || provider === 'svix'
          ? SW_SECRET
          : HMAC_SECRET;
    const header = (name: string) => h[name] ?? '';
    let raw: (() => boolean) | undefined;
    let algorithm = 'HMAC-SHA256';
    switch (provider) {
      case 'standard-webhooks':
      case 'svix': {
        const p = provider === 'svix' ? 'svix' : 'webhook';
        raw = hmacCheck(
          'sha256',
          swKey,
          () => [`${header(`${p}-id`)}.${header(`${p}-timestamp`)}.`, body],
          () => b64(header(`${p}-signature`).split(' ')[0]!.slice(3)),
        );
        break;
      }
      case 'stripe':
        raw = hmacCheck(
          'sha256',
          hmacKey,
          () => [`${/t=(\d+)/.exec(header('stripe-signature'))![1]}.`, body],
          () => hex(/v1=([0-9a-f]+)/.exec(header('stripe-signature'))![1]!),
        );
        break;
      case 'github':
        raw = hmacCheck(
          'sha256',
          hmacKey,
          () => [body],
          () => hex(header('x-hub-signature-256').slice(7)),
        );
        break;
      case 'shopify':
        raw = hmacCheck(
          'sha256',
          hmacKey,
          () => [body],
          () => b64(header('x-shopify-hmac-sha256')),
        );
        break;
      case 'slack':
        raw = hmacCheck(
          'sha256',
          hmacKey,
          () => [`v0:${header('x-slack-request-timestamp')}:`, body],
          () => hex(header('x-slack-signature').slice(3)),
        );
        break;
      case 'zoom':
        raw = hmacCheck(
          'sha256',
          hmacKey,
          () => [`v0:${header('x-zm-request-timestamp')}:`, body],
          () => hex(header('x-zm-signature').slice(3)),
        );
        break;
      case 'paddle':
        raw = hmacCheck(
          'sha256',
          hmacKey,
          () => [`${/ts=(\d+)/.exec(header('paddle-signature'))![1]}:`, body],
          () => hex(/h1=([0-9a-f]+)/.exec(header('paddle-signature'))![1]!),
        );
        break;
      case 'linear':
        raw = () => {
          JSON.parse(body); // Linear's timestamp lives in the body: reading it is part of the scheme
          return hmacCheck(
            'sha256',
            hmacKey,
            () => [body],
            () => hex(header('linear-signature')),
          )();
        };
        algorithm = 'HMAC-SHA256 (+ JSON.parse for webhookTimestamp)';
        break;
      case 'square':
        raw = hmacCheck(
          'sha256',
          hmacKey,
          () => [signed.url ?? URL_, body],
          () => b64(header('x-square-hmacsha256-signature')),
        );
        break;
      case 'twilio': {
        const signedUrl = signed.url ?? URL_;
        raw = () => {
          // Twilio signs the URL followed by every form parameter's name and value, sorted.
          const params = [...new URLSearchParams(body)].sort((a, b) =>
            a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0,
          );
          const h = createHmac('sha1', hmacKey).update(signedUrl);
          for (const [k, v] of params) h.update(k).update(v);
          return equal(h.digest(), b64(header('x-twilio-signature')));
        };
        algorithm = 'HMAC-SHA1 of URL + sorted form params';
        break;
      }
      case 'discord':
        raw = () =>
          cryptoVerify(
            null,
            Buffer.from(header('x-signature-timestamp') + body),
            discordKey,
            hex(header('x-signature-ed25519')),
          );
        algorithm = 'Ed25519';
        break;
    }
    if (raw === undefined) continue;
    cases.push({
      provider,
      algorithm,
      body,
      headers: h,
      url: signed.url,
      verifySecret,
      signedAt: signed.timestamp * 1000,
      raw,
    });
  }
  return cases;
}

/** A Twilio-style form body of about `size` bytes. */
function formBody(size: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size - 40; i++) {
    const part = `Param${i.toString().padStart(3, '0')}=value+${i}+of+the+call`;
    parts.push(part);
    length += part.length + 1;
  }
  return parts.join('&');
}

function braceContender(wv: WV, c: Case, name: string, parse = false): Contender {
  const options = { provider: c.provider as never, secret: c.verifySecret, parse, now: c.signedAt };
  const input = { body: c.body, headers: c.headers, ...(c.url ? { url: c.url } : {}) };
  return { name, fn: () => wv.verifyWebhook(input, options) };
}

const suite: Suite = async (ctx) => {
  const opts = { rounds: ctx.rounds, roundMs: ctx.roundMs };
  const node = (await import('@brace/webhook-verify')) as WV;
  const web = (await import(WEBHOOK_VERIFY_WEB)) as WV;
  const workloads: WorkloadResult[] = [];
  const lines: string[] = [];
  const stripe = new Stripe('sk_test_bench');

  for (const size of [2048, 65536]) {
    const label = size === 2048 ? '2 KB' : '64 KB';
    const cases = await buildCases(node, size);
    const byName = new Map(cases.map((c) => [c.provider, c]));
    // Sanity: every contender must accept its input before it is timed.
    for (const c of cases) {
      if (!c.raw()) throw new Error(`raw baseline rejects ${c.provider}`);
      await node.verifyWebhook(
        { body: c.body, headers: c.headers, ...(c.url ? { url: c.url } : {}) },
        { provider: c.provider as never, secret: c.verifySecret },
      );
    }

    // The three schemes with peer libraries, each peer beside Brace and the baselines.
    const sw = byName.get('standard-webhooks')!;
    const swLib = new StandardWebhook(SW_SECRET);
    const sv = byName.get('svix')!;
    const svLib = new SvixWebhook(SW_SECRET);
    const common = (c: Case): Contender[] => [
      braceContender(node, c, 'Brace verifyWebhook'),
      braceContender(node, c, 'Brace verifyWebhook, parse: true', true),
      { name: 'raw node:crypto HMAC + timingSafeEqual', fn: c.raw },
      { name: 'JSON.parse alone', fn: () => JSON.parse(c.body) },
    ];
    const swW = await compare(
      SUITE,
      `Standard Webhooks / Svix, ${label} body (standardwebhooks and svix verify() also JSON.parse)`,
      [
        ...common(sw),
        braceContender(node, sv, 'Brace verifyWebhook (svix headers)'),
        { name: 'standardwebhooks', fn: () => swLib.verify(sw.body, sw.headers) },
        { name: 'svix', fn: () => svLib.verify(sv.body, sv.headers) },
      ],
      opts,
    );
    const st = byName.get('stripe')!;
    const stripeHeader = st.headers['stripe-signature']!;
    const stW = await compare(
      SUITE,
      `Stripe, ${label} body (constructEvent also JSON.parses; verifyHeader does not)`,
      [
        ...common(st),
        {
          name: 'stripe constructEvent',
          fn: () => stripe.webhooks.constructEvent(st.body, stripeHeader, HMAC_SECRET),
        },
        {
          name: 'stripe signature.verifyHeader',
          fn: () => stripe.webhooks.signature!.verifyHeader(st.body, stripeHeader, HMAC_SECRET),
        },
      ],
      opts,
    );
    const gh = byName.get('github')!;
    const ghSig = gh.headers['x-hub-signature-256']!;
    const ghW = await compare(
      SUITE,
      `GitHub (sha256), ${label} body`,
      [
        ...common(gh),
        {
          name: '@octokit/webhooks-methods verify',
          fn: () => octokitVerify(HMAC_SECRET, gh.body, ghSig),
        },
      ],
      opts,
    );
    workloads.push(swW, stW, ghW);

    // Every scheme against its raw baseline (one workload per scheme would be long: pairs).
    const rows: string[] = [];
    const within: Array<{ provider: string; r: number }> = [];
    for (const c of cases) {
      const w = await compare(
        SUITE,
        `${c.provider} ${label}`,
        [braceContender(node, c, 'brace'), { name: 'raw', fn: c.raw }],
        { rounds: ctx.rounds, roundMs: Math.max(5, ctx.roundMs / 2) },
      );
      const r = nsOf(w, 'brace') / nsOf(w, 'raw');
      within.push({ provider: c.provider, r });
      rows.push(
        `| ${c.provider} | ${c.algorithm} | ${us(nsOf(w, 'brace'))} | ${us(nsOf(w, 'raw'))} | ${times(r)} |`,
      );
    }
    lines.push(
      `#### Every scheme vs a raw node:crypto baseline of the same signed content, ${label} body`,
      '',
      '| scheme | baseline algorithm | Brace verifyWebhook | raw baseline | Brace / raw (time) |',
      '|---|---|---:|---:|---:|',
      ...rows,
      '',
    );

    if (size === 2048) {
      const ratioVs = (w: WorkloadResult, peer: string, brace = 'Brace verifyWebhook') =>
        nsOf(w, peer) / nsOf(w, brace);
      const like = (w: WorkloadResult, peer: string) =>
        ratioVs(w, peer, 'Brace verifyWebhook, parse: true');
      target(
        SUITE,
        'Standard Webhooks verification ≥ 5× standardwebhooks (2 KB)',
        `${times(ratioVs(swW, 'standardwebhooks'))} (Brace ${us(nsOf(swW, 'Brace verifyWebhook'))} vs ${us(nsOf(swW, 'standardwebhooks'))}; like for like with parse: true ${times(like(swW, 'standardwebhooks'))}; JSON.parse alone ${us(nsOf(swW, 'JSON.parse alone'))})`,
        ratioVs(swW, 'standardwebhooks') >= 5,
      );
      target(
        SUITE,
        'Standard Webhooks verification ≥ 3× svix (2 KB)',
        `${times(nsOf(swW, 'svix') / nsOf(swW, 'Brace verifyWebhook (svix headers)'))} (Brace ${us(nsOf(swW, 'Brace verifyWebhook (svix headers)'))} vs ${us(nsOf(swW, 'svix'))}; like for like with parse: true ${times(like(swW, 'svix'))})`,
        nsOf(swW, 'svix') / nsOf(swW, 'Brace verifyWebhook (svix headers)') >= 3,
      );
      target(
        SUITE,
        'Stripe ≥ 2× stripe’s constructEvent (2 KB)',
        `${times(ratioVs(stW, 'stripe constructEvent'))} (Brace ${us(nsOf(stW, 'Brace verifyWebhook'))} vs ${us(nsOf(stW, 'stripe constructEvent'))}; like for like with parse: true ${times(like(stW, 'stripe constructEvent'))}; vs verifyHeader ${times(ratioVs(stW, 'stripe signature.verifyHeader'))})`,
        ratioVs(stW, 'stripe constructEvent') >= 2,
      );
      const ghR = ratioVs(ghW, '@octokit/webhooks-methods verify');
      target(
        SUITE,
        'GitHub ≥ 0.9× @octokit/webhooks-methods (2 KB)',
        `${times(ghR)} (Brace ${us(nsOf(ghW, 'Brace verifyWebhook'))} vs ${us(nsOf(ghW, '@octokit/webhooks-methods verify'))})`,
        ghR >= 0.9,
      );
      const worst = within.reduce((a, b) => (a.r > b.r ? a : b));
      const over = within.filter((x) => x.r > 1.3);
      target(
        SUITE,
        'every scheme within 1.3× of the raw HMAC-plus-compare baseline for its algorithm (2 KB)',
        `worst ${worst.provider} ${times(worst.r, 3)}${over.length ? `; over 1.3×: ${over.map((x) => `${x.provider} ${times(x.r, 3)}`).join(', ')}` : ''}`,
        over.length === 0,
      );
    }
  }

  // The Web Crypto build (the `default` export condition), beside the node:crypto build.
  const webCases = (await buildCases(node, 2048)).filter((c) =>
    ['standard-webhooks', 'stripe', 'github', 'discord'].includes(c.provider),
  );
  const subtleKey = await crypto.subtle.importKey(
    'raw',
    Buffer.from(HMAC_SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const gh = webCases.find((c) => c.provider === 'github')!;
  const ghBytes = new TextEncoder().encode(gh.body);
  const webContenders: Contender[] = [];
  for (const c of webCases) {
    webContenders.push(braceContender(node, c, `${c.provider}: node:crypto build`));
    webContenders.push(braceContender(web, c, `${c.provider}: Web Crypto build`));
  }
  webContenders.push({
    name: 'raw Web Crypto: await subtle.sign(HMAC-SHA256) + compare (github content)',
    fn: async () => {
      const mac = new Uint8Array(await crypto.subtle.sign('HMAC', subtleKey, ghBytes));
      return equal(Buffer.from(mac), hex(gh.headers['x-hub-signature-256']!.slice(7)));
    },
  });
  const webW = await compare(
    SUITE,
    'node:crypto build vs Web Crypto build, 2 KB body',
    webContenders,
    {
      ...opts,
      baseline: 'standard-webhooks: node:crypto build',
    },
  );
  workloads.push(webW);

  return {
    title: 'webhook-verify',
    workloads,
    extra: [
      ...lines,
      'Bodies are JSON strings (what a framework hands over as the raw body). Peers that return a parsed event (`standardwebhooks`, `svix`, Stripe’s `constructEvent`) include a `JSON.parse` in their time: the targets compare Brace’s verification (without `parse`) with their verify call as the issue states them, and each target line also gives the like-for-like ratio with `parse: true`.',
    ].join('\n'),
    libraries: ['standardwebhooks', 'svix', 'stripe', '@octokit/webhooks-methods'],
  };
};

export default suite;
