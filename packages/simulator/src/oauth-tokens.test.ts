import { describe, expect, it } from 'vitest';
import { TokenStore } from './oauth-tokens.js';
import { seededRandom } from './random.js';

describe('TokenStore bounds', () => {
  it('forgets families with no token left, so grants do not pile up past maxTokens', () => {
    const store = new TokenStore(seededRandom(1, 'oauth'), 4);
    // A long refresh chain that started first keeps minting...
    const chain = store.newFamily();
    let refresh = store.mint({
      kind: 'refresh',
      clientId: 'c',
      scope: '',
      family: chain,
      expiresAt: 1,
    });
    for (let i = 0; i < 1000; i++) {
      // ...between many one-off client-credentials grants.
      store.mint({
        kind: 'access',
        clientId: 'c',
        scope: '',
        family: store.newFamily(),
        expiresAt: 1,
      });
      refresh = store.mint({
        kind: 'refresh',
        clientId: 'c',
        scope: '',
        family: chain,
        expiresAt: 1,
      });
    }
    expect(store.familyCount).toBeLessThanOrEqual(4);
    expect(store.get(refresh)?.family).toBe(chain);
    expect(store.isRevoked(chain)).toBe(false); // the live chain was never forgotten
    expect(store.revokeFamily(chain)).toBe(true);
    expect(store.isRevoked(chain)).toBe(true);
    // A token minted into a family already forgotten reads as revoked.
    const stray = store.mint({
      kind: 'access',
      clientId: 'c',
      scope: '',
      family: 'fam_gone',
      expiresAt: 1,
    });
    expect(store.isRevoked(store.get(stray)?.family ?? '')).toBe(true);
  });
});
