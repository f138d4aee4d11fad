// Signs JWTs with jose, an implementation independent of the app's (IdentityModel).
// stdin: a JSON array of { "alg": "HS256|RS256|PS256|ES256", "key": "<shared secret>" or <private JWK>,
//                          "claims": {...}, "header": {...extra protected header members} }
// stdout: a JSON array of compact tokens, in the same order.
import { SignJWT, importJWK } from 'jose';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}

const instructions = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const tokens = [];
for (const { alg, key, claims, header } of instructions) {
  const signingKey = typeof key === 'string' ? new TextEncoder().encode(key) : await importJWK(key, alg);
  tokens.push(await new SignJWT(claims).setProtectedHeader({ ...(header ?? {}), alg }).sign(signingKey));
}

process.stdout.write(JSON.stringify(tokens));
