#!/bin/sh
# How fast the memory cap stops a runaway workload: a python loop that grows by touched 100 MB
# chunks every 0.1 s (~1 GB/s) runs under a 2 GB cap through `slogate run`, once directly and once
# as the child of a `sh -c` wrapper, next to a steady benchmark. A ticker in the workload's process
# group notes the time and the memory of the growing process every 5 ms; the script prints, for
# each, the time from passing the cap to the kill and the peak the results file records, and
# checks the steady benchmark kept all its values (and how its median compares with a run alone).
# Allocates up to ~2.2 GB briefly.
# Usage: harness/benches/oom_stop.sh   (SLOGATE=path/to/slogate to pick a build)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
slogate=${SLOGATE:-$here/target/debug/slogate}
[ -x "$slogate" ] || { echo "build slogate first (cargo build -p slogate)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/suites/oom"
cat > "$work/grow.py" <<'PY'
import os, sys, time
page = os.sysconf("SC_PAGE_SIZE")
grower = os.getpid()
if os.fork() == 0:
    # A ticker in the same process group notes the time and the resident memory of the two
    # processes every 5 ms: the cap kills the whole group at once, so its last note is within
    # 5 ms of the kill, and its first note over the cap within 5 ms of the crossing.
    rss = lambda pid: int(open(f"/proc/{pid}/statm").read().split()[1]) * page
    log = open(sys.argv[1], "w", buffering=1)
    while True:
        log.write(f"{time.time():.6f} {rss(grower) + rss(os.getpid())}\n")
        time.sleep(0.005)
chunks = []
while True:
    chunks.append(b"\x01" * 100_000_000)   # bytes filled in: every page touched
    time.sleep(0.1)                          # ~1 GB/s
PY
cat > "$work/suites/oom/suite.toml" <<TOML
[suite]
name = "oom"

[defaults]
protocol = "process"
processes = 1
warmups = 0
timeout = "60s"
memory_limit = "2GB"

[[scenario]]
name = "direct"
command = ["python3", "$work/grow.py", "$work/direct.log"]

[[scenario]]
name = "wrapped"
command = ["sh", "-c", "python3 $work/grow.py $work/wrapped.log; echo never reached"]

[[scenario]]
name = "steady"
processes = 5
command = ["python3", "-c", "sum(i * i for i in range(300_000))"]
TOML
"$slogate" run "$work/suites" -o "$work/all.json" --seed 1 2>"$work/run.err" || true
"$slogate" run "$work/suites" --filter steady -o "$work/alone.json" --seed 1 2>/dev/null
python3 - "$work" <<'PY'
import json, statistics, sys
work = sys.argv[1]
res = {b["scenario"]: b for b in json.load(open(f"{work}/all.json"))["benchmarks"]}
for name in ["direct", "wrapped"]:
    b = res[name]
    assert b["status"] == "oom", b
    notes = [(float(t), int(rss)) for t, rss in (l.split() for l in open(f"{work}/{name}.log"))]
    cap, peak = b["oom"]["cap_bytes"], b["oom"]["peak_bytes"]
    crossed = next((t for t, rss in notes if rss > cap), None)
    killed, last_rss = notes[-1]
    print(f"{name:8} status oom: peak recorded {peak/1e9:.3f} GB (cap {cap/1e9:.1f} GB, "
          f"{(peak - cap)/1e6:.0f} MB over), last seen by the workload {last_rss/1e9:.3f} GB; "
          + (f"stopped {1000*(killed - crossed):.0f} ms (+-5) after passing the cap" if crossed
             else "stopped before its own 5 ms note saw it over the cap"))
steady = res["steady"]
alone = json.load(open(f"{work}/alone.json"))["benchmarks"][0]
def med(b):
    return statistics.median(p[0] for p in b["metrics"]["execution_time"]["processes"])
n = len(steady["metrics"]["execution_time"]["processes"])
print(f"steady   status {steady['status']}: {n}/5 processes, median {med(steady)/1e6:.1f} ms "
      f"(alone: {med(alone)/1e6:.1f} ms, ratio {med(steady)/med(alone):.2f})")
assert steady["status"] == "ok" and n == 5
PY
