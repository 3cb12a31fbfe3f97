// A real OpenID Connect provider (npm `oidc-provider`) for the server's tests, on loopback.
// Usage: node provider.mjs PORT REDIRECT_URI  (client `signoff` / secret `test-client-secret`)
// ACCOUNTS (JSON env): {"login": {"email": "...", "groups": ["..."]}}. The development
// login form accepts any password: the tests exercise signoff's side of the protocol
// (authorization code + PKCE, discovery, ID token and userinfo), not password checks.
import Provider from "oidc-provider";

const [port, redirectUri] = process.argv.slice(2);
const accounts = JSON.parse(process.env.ACCOUNTS || "{}");
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "signoff",
      client_secret: "test-client-secret",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "groups"] },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["signoff-test-provider-cookie-key"] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email, email_verified: true, name: id, groups: account.groups || [] };
      },
    };
  },
});
provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
