// Makes Connect JWTs with atlassian-jwt, the library Atlassian's own Node framework (ACE) uses:
// the qsh of each request and an HS256 token over the given claims plus that qsh.
// stdin: { "baseUrl": "...", "secret": "...", "claims": {...},
//          "requests": [ { "method": "POST", "url": "<absolute URL as sent>" }, ... ] }
// stdout: a JSON array of { "canonical": "...", "qsh": "...", "token": "..." }, in the same order.
import * as jwt from 'atlassian-jwt';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}

const { baseUrl, secret, claims, requests } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const out = requests.map(({ method, url }) => {
  const request = jwt.fromMethodAndUrl(method, url);
  const qsh = jwt.createQueryStringHash(request, false, baseUrl);
  return {
    canonical: jwt.createCanonicalRequest(request, false, baseUrl),
    qsh,
    token: jwt.encodeSymmetric({ ...claims, qsh }, secret, jwt.SymmetricAlgorithm.HS256),
  };
});

process.stdout.write(JSON.stringify(out));
