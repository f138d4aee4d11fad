// Signs JWTs with atlassian-jwt, Atlassian's own JWT library, independent of the app's (IdentityModel).
// stdin: a JSON array of { "alg": "HS256|HS384|HS512", "key": "<shared or client secret>", "claims": {...} }
// stdout: a JSON array of compact tokens, in the same order.
import jwt from 'atlassian-jwt';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}

const instructions = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const tokens = instructions.map(({ alg, key, claims }) => jwt.encodeSymmetric(claims, key, alg));
process.stdout.write(JSON.stringify(tokens));
