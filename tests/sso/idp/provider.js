// A real OpenID provider (node-oidc-provider) for the single sign-on tests, on 127.0.0.1.
//
//   node provider.js CONFIG.json
//
// CONFIG names the clients (client_id, client_secret, redirect_uris), the accounts people sign
// in as (keyed by the login typed into the provider's own form, with the claims the provider
// gives out: email, email_verified, name), and optionally a misbehaviour:
//   "id_token_audience": "another-app"  ID tokens name this audience instead of the client
//   "clock_offset_seconds": -600        the provider's clock runs this far behind, and
//   "id_token_ttl_seconds": 60          its ID tokens last this long: they have expired by the
//                                        time the client reads them
// It listens on a port the system picks and prints "listening ISSUER" once it serves.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

if (config.clock_offset_seconds) {
  // Every time the provider reads (token lifetimes, its sessions, its cookies) goes through
  // Date.now, so the provider stays consistent with itself and only its clients see the offset.
  const realNow = Date.now;
  Date.now = () => realNow() + config.clock_offset_seconds * 1000;
}

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: config.clients.map((client) => ({
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: client.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    // Every client must send PKCE: a sign-in that did not would be refused here.
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Accounts are the test's; the login form is the provider's own (devInteractions).
    async findAccount(ctx, id) {
      const account = config.accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: `sub-${id}`, ...account }) };
    },
    // okrs is a first-party client: its scopes are granted without a consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    cookies: { keys: ['okrs-test-idp-cookie-key'] },
    ...(config.id_token_ttl_seconds ? { ttl: { IdToken: config.id_token_ttl_seconds } } : {}),
    // A signing key of this run's own (the library's quick-start keys are the same everywhere).
    jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: `run-${process.pid}`, use: 'sig', alg: 'RS256' }] },
  });

  if (config.id_token_audience) {
    const { issue } = provider.IdToken.prototype;
    provider.IdToken.prototype.issue = function issueForAnotherAudience(options) {
      if (options?.use === 'idtoken') {
        const client = this.client;
        this.client = new Proxy(client, {
          get(target, property) {
            if (property === 'clientId') return config.id_token_audience;
            const value = Reflect.get(target, property, target);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
      }
      return issue.call(this, options);
    };
  }

  // The library's quick-start login page loads a web font from Google; the tests' browser
  // must reach nothing beyond 127.0.0.1, so the page goes out without it.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.type === 'text/html' && typeof ctx.body === 'string') {
      ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);/g, '');
    }
  });

  server.on('request', provider.callback());
  process.stdout.write(`listening ${issuer}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
