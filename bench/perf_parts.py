"""Sorts perf samples (perf script output) of the app or the floor into parts of the request pipeline.

Usage: perf_parts.py perf.txt perf-PID.map [--rps R --seconds S]
A sample belongs to the innermost pipeline part on its stack (so the HMAC inside token validation
counts as token validation, not as the endpoint around it); samples in none of them are sorted by
thread (GC, JIT) or by what they run (thread-pool spinning, Kestrel and sockets, kernel).
"""
import bisect
import collections
import re
import sys

PARTS = [
    ("token validation", r"TokenValidator|JwtContent|SignatureProvider|RequestAuthenticator|SharedSecretKeySource|JwtMembers|Hmac|HMAC|JtiHash"),
    ("body read", r"ReadBodyAsync|RentedBuffer"),
    ("JSON parse + classify", r"EventsEndpoint::TryParse|JsonDocument|JiraEventClassifier|Utf8::IsValid"),
    ("record build + serialize", r"JsonLinesEventSink::Serialize|EventRecord|EventPayload::Compact|Guid::CreateVersion7|AcceptedEventId|Guid::ToString"),
    ("sink write + fsync (writer loop)", r"JsonLinesEventSink::WriteDurably|JsonLinesEventSink::WriteLines|IsStillAtItsPath|WriteLoopAsync"),
    ("delivery log", r"DeliveryLog"),
    ("metrics", r"JiraAuthMetrics|System\.Diagnostics\.Metrics"),
    ("logging", r"InboundLog|Logger"),
    ("response write", r"InboundResponses"),
    ("content type check", r"EventsEndpoint::IsJson|MediaTypeHeaderValue"),
]
ENDPOINT = re.compile(r"EventsEndpoint|IntegrationRegistry")
PARTS = [(name, re.compile(pattern)) for name, pattern in PARTS]


def main():
    args = sys.argv[1:]
    rps = float(args[args.index("--rps") + 1]) if "--rps" in args else None
    seconds = float(args[args.index("--seconds") + 1]) if "--seconds" in args else None
    entries = []
    for line in open(args[1]):
        start, size, name = line.rstrip("\n").split(" ", 2)
        entries.append((int(start, 16), int(size, 16), name))
    entries.sort()
    starts = [e[0] for e in entries]

    def jitted(address):
        i = bisect.bisect_right(starts, address) - 1
        return entries[i][2] if i >= 0 and address < entries[i][0] + entries[i][1] else None

    parts = collections.Counter()
    samples = []
    thread, frames = None, []
    for line in open(args[0], errors="replace"):
        if line and not line[0].isspace():
            if thread is not None:
                samples.append((thread, frames))
            match = re.match(r"(.+?)\s+\d+\s+[\d.]+:", line)
            thread, frames = (match.group(1).strip() if match else line), []
        elif line.strip():
            fields = line.split(None, 2)
            name = jitted(int(fields[0], 16)) if "unknown" in line else None
            frames.append(name or line.strip())
    if thread is not None:
        samples.append((thread, frames))

    for thread, frames in samples:
        parts[classify(thread, frames)] += 1
    total = sum(parts.values())
    per_request = 1e6 * total / 999 / (rps * seconds) if rps and seconds else None
    print(f"{total} samples" + (f" at {rps:.0f} requests/s: {per_request:.0f} us of CPU per request" if per_request else ""))
    print("| part | % of CPU |" + (" us/request |" if per_request else ""))
    print("|---|---:|" + ("---:|" if per_request else ""))
    for name, count in parts.most_common():
        share = count / total
        print(f"| {name} | {100 * share:.1f}% |" + (f" {share * per_request:.1f} |" if per_request else ""))


def classify(thread, frames):
    if "GC" in thread:
        return "GC"
    if "Tiered" in thread or "JIT" in thread:
        return "JIT (tiering)"
    for frame in frames:  # leaf first: the innermost part
        for name, pattern in PARTS:
            if pattern.search(frame):
                return name
    if any(ENDPOINT.search(f) for f in frames):
        return "other endpoint code (async steps, integration lookup, event id)"
    if any("sched_yield" in f or "LowLevelLifoSemaphore" in f or "LowLevelSpinWaiter" in f for f in frames):
        return "thread pool spinning (sched_yield)"
    if any("Kestrel" in f or "Socket" in f or "Pipe" in f for f in frames):
        return "Kestrel + sockets (HTTP, send, receive)"
    if any("GroupCommitLog" in f for f in frames):
        return "sink write + fsync (writer loop)"
    if any("kallsyms" in f for f in frames):
        return "kernel (network, scheduling)"
    return "runtime, other"


if __name__ == "__main__":
    main()
