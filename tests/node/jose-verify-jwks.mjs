// Verifies JWTs with jose against a JWKS document, as a downstream verifier of the app's own tokens would.
// stdin: { "jwks": {...}, "tokens": ["..."], "issuer": "...", "audience": "..." }
// stdout: a JSON array of { "ok": true, "kid": "..." } or { "ok": false, "error": "<jose error code>" }.
import { createLocalJWKSet, jwtVerify } from 'jose';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}

const { jwks, tokens, issuer, audience } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const keys = createLocalJWKSet(jwks);
const results = [];
for (const token of tokens) {
  try {
    const { protectedHeader } = await jwtVerify(token, keys, { issuer, audience, algorithms: ['ES256'] });
    results.push({ ok: true, kid: protectedHeader.kid });
  } catch (error) {
    results.push({ ok: false, error: error.code ?? String(error) });
  }
}

process.stdout.write(JSON.stringify(results));
