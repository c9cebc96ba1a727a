/** The longest token-endpoint body read (form bodies are tiny). */
export const MAX_FORM_BYTES = 8192;

/** An OAuth error per RFC 6749 §5.2 (and RFC 7009 §2.2.1). */
export interface OAuthFailure {
  error:
    | 'invalid_request'
    | 'invalid_client'
    | 'invalid_grant'
    | 'unauthorized_client'
    | 'unsupported_grant_type'
    | 'invalid_scope'
    | 'unsupported_token_type';
  description: string;
  /** The client tried the Authorization header (so 401 carries `WWW-Authenticate: Basic`). */
  basic?: boolean;
}

/** Decodes `application/x-www-form-urlencoded` parts (`+` is a space). */
function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * Reads a form body: `application/x-www-form-urlencoded` only, bounded, each parameter at most
 * once (RFC 6749 §3.2), into a null-prototype record.
 */
export async function readForm(request: Request): Promise<Record<string, string> | OAuthFailure> {
  const type = request.headers.get('content-type') ?? '';
  if (type.split(';')[0]?.trim().toLowerCase() !== 'application/x-www-form-urlencoded') {
    return {
      error: 'invalid_request',
      description: 'The token endpoint takes application/x-www-form-urlencoded bodies.',
    };
  }
  const text = await request.text();
  if (text.length > MAX_FORM_BYTES) {
    return { error: 'invalid_request', description: `The body is over ${MAX_FORM_BYTES} bytes.` };
  }
  const form: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    if (name in form) {
      return {
        error: 'invalid_request',
        description: `The parameter ${name.slice(0, 40)} is repeated.`,
      };
    }
    form[name] = value;
  }
  return form;
}

/** The client's claimed credentials, from HTTP Basic or the body (RFC 6749 §2.3.1), never both. */
export function clientCredentials(
  request: Request,
  form: Record<string, string>,
): { id: string; secret: string | undefined; basic: boolean } | OAuthFailure {
  const header = request.headers.get('authorization');
  const inBody = form.client_secret !== undefined;
  if (header !== null) {
    const [scheme, value] = header.trim().split(/\s+/, 2);
    if (scheme?.toLowerCase() !== 'basic' || value === undefined) {
      return {
        error: 'invalid_client',
        description: 'Use HTTP Basic client authentication.',
        basic: true,
      };
    }
    if (inBody) {
      return {
        error: 'invalid_request',
        description: 'Use one client authentication method, not Basic and the body at once.',
      };
    }
    let decoded: string;
    try {
      decoded = atob(value);
    } catch {
      return {
        error: 'invalid_client',
        description: 'The Basic credentials are not base64.',
        basic: true,
      };
    }
    const colon = decoded.indexOf(':');
    const id = colon < 0 ? undefined : formDecode(decoded.slice(0, colon));
    const secret = colon < 0 ? undefined : formDecode(decoded.slice(colon + 1));
    if (id === undefined || secret === undefined) {
      return {
        error: 'invalid_client',
        description: 'The Basic credentials are malformed.',
        basic: true,
      };
    }
    return { id, secret, basic: true };
  }
  if (form.client_id === undefined) {
    return { error: 'invalid_client', description: 'No client authentication was sent.' };
  }
  return { id: form.client_id, secret: form.client_secret, basic: false };
}

/** Space-delimited scope tokens (RFC 6749 §3.3), without duplicates. */
export function scopeSet(scope: string | undefined): Set<string> {
  return new Set((scope ?? '').split(' ').filter((s) => s !== ''));
}
