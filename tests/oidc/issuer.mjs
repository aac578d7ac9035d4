// A real OpenID Connect issuer (npm oidc-provider) on loopback, for the console's login tests
// (tests/auto/ui_auth) and the gateway's token tests (tests/auto/jwt, tests/integration
// test_16_tokens.py). Not for production: its login page accepts any user name and password,
// and its /test/ endpoints mint whatever token a test asks for.
//
//   node issuer.mjs            prints "issuer listening on http://127.0.0.1:PORT" once ready
//
// Environment (all optional):
//   PORT=0                     0 picks a free port (the line above says which)
//   ACCESS_TOKEN_TTL=300       seconds an access token lives (the tests use 5)
//   CLIENT_ID=drover-console   the console's public client (PKCE required, no secret)
//   RESOURCE=urn:drover:mqtt   the MQTT gateway as a resource server: its access tokens are
//                              JWTs with this audience, and it is the default resource
//   SERVICE_CLIENT_ID=drover-service, SERVICE_CLIENT_SECRET=drover-service-secret
//                              a confidential client (client_secret_basic) that may use the
//                              client_credentials grant (JWT access tokens for RESOURCE, sub =
//                              the client id) and RFC 7662 introspection
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
//       POST /test/token                 mints a JWT access token, form fields (all optional):
//                                          sub=alice, username=<sub> ("-": no preferred_username),
//                                          ttl=300 (seconds to exp; negative: already expired),
//                                          nbf=<seconds from now>, iat=<seconds from now, default 0>,
//                                          aud=<RESOURCE> (comma-separated: an array; "-": none),
//                                          azp=<client id>, iss=<this issuer>,
//                                          alg=RS256|PS256|ES256 (signed with a published key of
//                                            that type), HS256 (HMAC keyed with the PEM of the
//                                            published RSA public key: the key-confusion attack),
//                                            none (unsigned),
//                                          key=main|next|rogue (RS256 only: "next" is published
//                                            only after /test/publish-next-key, "rogue" never),
//                                          kid=<the key's> ("-": no kid),
//                                          pad=<n> (a claim of n characters, for size limits)
//                                        answers {"access_token": "..."}
//       POST /test/opaque-token          form sub=alice, ttl=300: an opaque access token (stored
//                                        by oidc-provider, only introspection can tell what it is)
//       POST /test/publish-next-key      the "next" RS256 key joins the JWKS (a key rotation)
//       GET  /test/stats                 {"jwksFetches": n, "discoveryFetches": n}
//   The JWKS (/jwks) is served by this script rather than oidc-provider, so that it can hold the
//   extra ES256 and PS256 keys and the rotated-in key; it counts its fetches for /test/stats.
//
// The process ends when its standard input closes (the test that started it went away) or on
// SIGTERM/SIGINT, so a crashed test leaves no issuer behind.
import { createServer } from 'node:http';
import { createHmac, randomBytes } from 'node:crypto';
import { URL } from 'node:url';

import Provider, { errors } from 'oidc-provider';
import { SignJWT, createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, jwtVerify } from 'jose';

const port = Number(process.env.PORT ?? 0);
const accessTokenTtl = Number(process.env.ACCESS_TOKEN_TTL ?? 300);
const clientId = process.env.CLIENT_ID ?? 'drover-console';
const resource = process.env.RESOURCE ?? 'urn:drover:mqtt';
const serviceClientId = process.env.SERVICE_CLIENT_ID ?? 'drover-service';
const serviceClientSecret = process.env.SERVICE_CLIENT_SECRET ?? 'drover-service-secret';

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
const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
const verificationKeys = createLocalJWKSet({ keys: [publicJwk] });

// Test-only keys for /test/token: more algorithms, a key rotation, and a key nobody published.
async function testKey(alg, options = {}) {
  const pair = await generateKeyPair(alg, { extractable: true, ...options });
  const id = randomBytes(8).toString('hex');
  return { alg, kid: id, privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: id, alg, use: 'sig' } };
}
const testKeys = {
  main: { alg: 'RS256', kid, privateKey, jwk: publicJwk },
  ES256: await testKey('ES256'),
  PS256: await testKey('PS256'),
  next: await testKey('RS256'),
  rogue: await testKey('RS256'),
};
let nextKeyPublished = false;
const stats = { jwksFetches: 0, discoveryFetches: 0 };
function publishedKeys() {
  const keys = [publicJwk, testKeys.ES256.jwk, testKeys.PS256.jwk];
  if (nextKeyPublished) keys.push(testKeys.next.jwk);
  return { keys };
}
const publicKeyPem = await exportSPKI(publicKey);

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
  }, {
    client_id: serviceClientId,
    client_secret: serviceClientSecret,
    token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [],
    grant_types: ['client_credentials'],
    response_types: [],
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
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async (ctx, client) => client.clientAuthMethod !== 'none' },
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
  if (req.method === 'POST' && url.pathname === '/test/token') {
    sendJson(res, 200, { access_token: await mintToken(await readForm(req)) });
    return;
  }
  if (req.method === 'POST' && url.pathname === '/test/opaque-token') {
    const form = await readForm(req);
    const client = await provider.Client.find(clientId);
    const ttl = Number(form.get('ttl') ?? accessTokenTtl);
    const token = new provider.AccessToken({ accountId: form.get('sub') ?? 'alice', client, scope: 'mqtt', expiresIn: ttl });
    token.resourceServer = new provider.ResourceServer(resource, { audience: resource, scope: 'mqtt', accessTokenFormat: 'opaque', accessTokenTTL: ttl });
    token.setAudience(resource);
    sendJson(res, 200, { access_token: await token.save() });
    return;
  }
  if (req.method === 'POST' && url.pathname === '/test/publish-next-key') {
    nextKeyPublished = true;
    sendJson(res, 200, { kid: testKeys.next.kid });
    return;
  }
  if (req.method === 'GET' && url.pathname === '/test/stats') {
    sendJson(res, 200, stats);
    return;
  }
  if (req.method === 'GET' && url.pathname === '/test/impostor/.well-known/openid-configuration') {
    const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
    sendJson(res, 200, await discovery.json());
    return;
  }
  sendJson(res, 404, { error: 'not_found' });
}

const base64url = (data) => Buffer.from(data).toString('base64url');

// A JWT access token as the form asks (see /test/token at the top).
async function mintToken(form) {
  const now = Math.floor(Date.now() / 1000);
  const sub = form.get('sub') ?? 'alice';
  const claims = { sub, scope: 'mqtt', client_id: clientId, jti: randomBytes(8).toString('hex') };
  const username = form.get('username') ?? sub;
  if (username !== '-') claims.preferred_username = username;
  claims.iss = form.get('iss') ?? issuer;
  const aud = form.get('aud') ?? resource;
  if (aud !== '-') claims.aud = aud.includes(',') ? aud.split(',') : aud;
  if (form.has('azp')) claims.azp = form.get('azp');
  claims.iat = now + Number(form.get('iat') ?? 0);
  claims.exp = now + Number(form.get('ttl') ?? accessTokenTtl);
  if (form.has('nbf')) claims.nbf = now + Number(form.get('nbf'));
  if (form.has('pad')) claims.pad = 'x'.repeat(Number(form.get('pad')));

  const alg = form.get('alg') ?? 'RS256';
  const key = alg === 'RS256' ? testKeys[form.get('key') ?? 'main'] : testKeys[alg];
  const header = { typ: 'at+jwt', alg };
  const kidField = form.get('kid') ?? key?.kid ?? testKeys.main.kid;
  if (kidField !== '-') header.kid = kidField;
  if (alg === 'none' || alg === 'HS256') {
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = alg === 'none' ? '' : createHmac('sha256', publicKeyPem).update(signingInput).digest('base64url');
    return `${signingInput}.${signature}`;
  }
  if (!key) throw new Error(`no test key for alg ${alg} / key ${form.get('key')}`);
  return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
}

const providerCallback = provider.callback();
server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);
  if (url.pathname.startsWith('/test/')) {
    handleTestEndpoint(req, res, url).catch((error) => sendJson(res, 500, { error: String(error) }));
    return;
  }
  if (req.method === 'GET' && url.pathname === '/jwks') {
    stats.jwksFetches += 1;
    sendJson(res, 200, publishedKeys());
    return;
  }
  if (url.pathname === '/.well-known/openid-configuration') stats.discoveryFetches += 1;
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
