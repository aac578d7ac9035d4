// A real OpenID Connect issuer (npm oidc-provider) on loopback, for the console's login tests
// (tests/auto/ui_auth). Not for production: its login page accepts any user name and password.
//
//   node issuer.mjs            prints "issuer listening on http://127.0.0.1:PORT" once ready
//
// Environment (all optional):
//   PORT=0                     0 picks a free port (the line above says which)
//   ACCESS_TOKEN_TTL=300       seconds an access token lives (the tests use 5)
//   CLIENT_ID=drover-console   the console's public client (PKCE required, no secret)
//   RESOURCE=urn:drover:mqtt   the MQTT gateway as a resource server: its access tokens are
//                              JWTs with this audience, and it is the default resource
//
// What it offers:
//   - discovery, authorization code + PKCE (S256, required for the public client), refresh
//     tokens (rotated on each use), revocation, userinfo, end_session, JWKS;
//   - loopback redirects on any port (RFC 8252 7.3): the client is registered as a native
//     application with redirect URI http://127.0.0.1/, and oidc-provider ignores the port of
//     loopback redirect URIs for native clients;
//   - the development login and consent pages of oidc-provider (any login, any password);
//   - ID tokens that carry sub, preferred_username, name and email (the login is the user);
//   - test-only endpoints, all under /test/:
//       POST /test/revoke-all            forgets every grant, token and session, so the next
//                                        refresh fails with invalid_grant (answers {"revoked": n})
//       POST /test/verify-access-token   form body token=...: verifies a JWT access token as the
//                                        gateway will (signature, issuer, audience, expiry) and
//                                        answers {"active": true, "sub", "aud", "exp"} or
//                                        {"active": false, "error"}
//       GET  /test/impostor/.well-known/openid-configuration
//                                        this issuer's discovery document served under another
//                                        issuer URL: a discovery whose "issuer" does not match
//
// The process ends when its standard input closes (the test that started it went away) or on
// SIGTERM/SIGINT, so a crashed test leaves no issuer behind.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { URL } from 'node:url';

import Provider, { errors } from 'oidc-provider';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';

const port = Number(process.env.PORT ?? 0);
const accessTokenTtl = Number(process.env.ACCESS_TOKEN_TTL ?? 300);
const clientId = process.env.CLIENT_ID ?? 'drover-console';
const resource = process.env.RESOURCE ?? 'urn:drover:mqtt';

if (!Number.isInteger(accessTokenTtl) || accessTokenTtl < 1) {
  console.error(`issuer: ACCESS_TOKEN_TTL must be a positive number of seconds, not "${process.env.ACCESS_TOKEN_TTL}"`);
  process.exit(2);
}

// In-memory storage that /test/revoke-all can empty (oidc-provider's own memory adapter keeps
// its store private).
const stores = new Map();
class TestAdapter {
  constructor(model) {
    this.model = model;
    if (!stores.has(model)) stores.set(model, new Map());
    this.store = stores.get(model);
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Infinity;
    this.store.set(id, { payload: { ...payload }, expiresAt });
  }

  async find(id) {
    const entry = this.store.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.store.delete(id);
      return undefined;
    }
    return { ...entry.payload };
  }

  async findByUid(uid) {
    for (const [id, entry] of this.store) {
      if (entry.payload.uid === uid) return this.find(id);
    }
    return undefined;
  }

  async findByUserCode(userCode) {
    for (const [id, entry] of this.store) {
      if (entry.payload.userCode === userCode) return this.find(id);
    }
    return undefined;
  }

  async consume(id) {
    const entry = this.store.get(id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    this.store.delete(id);
  }

  async revokeByGrantId(grantId) {
    for (const [id, entry] of this.store) {
      if (entry.payload.grantId === grantId) this.store.delete(id);
    }
  }
}

function revokeAll() {
  let revoked = 0;
  for (const model of ['Grant', 'RefreshToken', 'AccessToken', 'AuthorizationCode', 'Session']) {
    const store = stores.get(model);
    if (!store) continue;
    revoked += store.size;
    store.clear();
  }
  return revoked;
}

// An ephemeral signing key: nothing to keep, no development-key warning.
const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
const kid = randomBytes(8).toString('hex');
const signingJwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
const verificationKeys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] });

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  adapter: TestAdapter,
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  clients: [{
    client_id: clientId,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: ['http://127.0.0.1/'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  }],
  // The login is the account: "alice" becomes sub=alice, preferred_username=alice.
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          preferred_username: id,
          name: id.charAt(0).toUpperCase() + id.slice(1),
          email: `${id}@example.test`,
          email_verified: true,
        };
      },
    };
  },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  // The access tokens are for the gateway, not for userinfo: put the profile in the ID token.
  conformIdTokenClaims: false,
  scopes: ['openid', 'offline_access', 'profile', 'email', 'mqtt'],
  features: {
    devInteractions: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf ?? resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== resource) throw new errors.InvalidTarget(`unknown resource ${indicator}`);
        return {
          scope: 'mqtt',
          audience: resource,
          accessTokenTTL: accessTokenTtl,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // Public native clients get a refresh token whenever they may use the grant.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  ttl: {
    AccessToken: accessTokenTtl,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 24 * 3600,
    Grant: 24 * 3600,
    Session: 24 * 3600,
    Interaction: 600,
  },
});
provider.on('server_error', (_ctx, error) => console.error('issuer: server error:', error));

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function handleTestEndpoint(req, res, url) {
  if (req.method === 'POST' && url.pathname === '/test/revoke-all') {
    sendJson(res, 200, { revoked: revokeAll() });
    return;
  }
  if (req.method === 'POST' && url.pathname === '/test/verify-access-token') {
    const token = (await readForm(req)).get('token') ?? '';
    try {
      const { payload } = await jwtVerify(token, verificationKeys, { issuer, audience: resource });
      sendJson(res, 200, { active: true, sub: payload.sub, aud: payload.aud, exp: payload.exp });
    } catch (error) {
      sendJson(res, 200, { active: false, error: error.code ?? error.message });
    }
    return;
  }
  if (req.method === 'GET' && url.pathname === '/test/impostor/.well-known/openid-configuration') {
    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
    sendJson(res, 200, await discovery.json());
    return;
  }
  sendJson(res, 404, { error: 'not_found' });
}

const providerCallback = provider.callback();
server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith('/test/')) {
    handleTestEndpoint(req, res, url).catch((error) => sendJson(res, 500, { error: String(error) }));
    return;
  }
  providerCallback(req, res);
});

function shutdown() {
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();

process.stdout.write(`issuer listening on ${issuer}\n`);
