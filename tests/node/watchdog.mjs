// The test host's watchdog: it reads "+ <pid>" / "- <pid>" lines on stdin (processes the tests
// started and stopped) and, when stdin closes because the test host has exited or was killed
// (kill -9 included), kills every pid still registered. Plain node, no packages.
import { createInterface } from 'node:readline';

const pids = new Set();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [op, text] = line.trim().split(' ');
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 1) return;
  if (op === '+') pids.add(pid);
  if (op === '-') pids.delete(pid);
});
lines.on('close', () => {
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  process.exit(0);
});
