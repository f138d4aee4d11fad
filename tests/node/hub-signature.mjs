// Computes X-Hub-Signature as a webhook sender does, with node's own crypto (independent of .NET's).
// stdin: a JSON array of { "secret": "...", "body": "<exact body text>" }
// stdout: a JSON array of "sha256=<lower-case hex HMAC-SHA256 of the UTF-8 body>", in the same order.
import { createHmac } from 'node:crypto';

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}

const requests = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const signatures = requests.map(({ secret, body }) =>
  'sha256=' + createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('hex'));

process.stdout.write(JSON.stringify(signatures));
