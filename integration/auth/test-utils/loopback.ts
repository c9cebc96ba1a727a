import { type RunningServer, serveFetch } from '@brace/simulator';
import {
  createOAuthServer,
  type OAuthServer,
  type OAuthServerOptions,
} from '@brace/simulator/oauth';

/** A real loopback OAuth server (from @brace/simulator) with a switchable fault in front. */
export interface Loopback {
  oauth: OAuthServer;
  server: RunningServer;
  tokenUrl: string;
  resourceUrl: string;
  /** When set, answers token requests instead of the simulator. */
  fault: ((request: Request) => Promise<Response> | Response) | undefined;
  /** Every token request's form body, in order. */
  forms: URLSearchParams[];
  close(): Promise<void>;
}

/** Starts the simulator's OAuth server on 127.0.0.1. */
export async function loopback(options: OAuthServerOptions = {}): Promise<Loopback> {
  const oauth = createOAuthServer({
    clients: [{ clientId: 'app', clientSecret: 'planted-client-secret-9f2c' }],
    ...options,
  });
  const state: Loopback = {
    oauth,
    server: undefined as unknown as RunningServer,
    tokenUrl: '',
    resourceUrl: '',
    fault: undefined,
    forms: [],
    close: () => state.server.close(),
  };
  state.server = await serveFetch(async (request) => {
    if (new URL(request.url).pathname === oauth.paths.token) {
      state.forms.push(new URLSearchParams(await request.clone().text()));
      if (state.fault !== undefined) return state.fault(request);
    }
    return oauth.fetch(request);
  });
  state.tokenUrl = `${state.server.url}${oauth.paths.token}`;
  state.resourceUrl = `${state.server.url}${oauth.paths.resource}`;
  return state;
}

/** The planted client secret the secret-leak tests search for. */
export const CLIENT_SECRET = 'planted-client-secret-9f2c';
