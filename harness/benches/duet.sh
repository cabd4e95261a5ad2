#!/usr/bin/env bash
# Duet runs against interleaving, at equal machine time: are a pair's two processes better started
# at the same moment, each on its own core (both meet the same neighbours), than one after the
# other on the same machine (what `ab` does)?
#
# Workload: quickstart `cpu` (pure-Python arithmetic), both sides identical (A/A), so every pair's
# log ratio is noise. Each mode runs PAIRS pairs, in alternating blocks of the two modes:
#   interleaved  side A then side B, which first balanced in blocks of two pairs (as `ab`);
#   duet         A pinned to CPU 0 and B to CPU 1, started together; which side gets which core
#                balanced in blocks of two pairs.
# A process's location is the interquartile mean of its values (as `ab`). Printed per mode: the
# spread of the pair log ratios (standard deviation, and the interquartile range / 1.349, which a
# heavy tail moves less), the machine time a pair takes, and the 99% half-width that spread
# allows at a budget of BUDGET seconds (normal theory, pairs = BUDGET / time per pair).
#
#   harness/benches/duet.sh [--pairs 40] [--budget 30] [--values 5] [--scale 1]
#
# Run from the repository root; needs python3 and 2 or more cores.
set -euo pipefail
pairs=40
budget=30
values=5
scale=1
while [ $# -gt 0 ]; do
    case "$1" in
        --pairs) pairs=$2; shift 2 ;;
        --budget) budget=$2; shift 2 ;;
        --values) values=$2; shift 2 ;;
        --scale) scale=$2; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -f suites/quickstart/workload.py ] || { echo "run from the repository root" >&2; exit 2; }
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$pairs" "$budget" "$values" "$scale" <<'PY'
import json, math, os, statistics, subprocess, sys, tempfile, time

pairs, budget, values, scale = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
if len(os.sched_getaffinity(0)) < 2:
    sys.exit("needs two cores")
cores = sorted(os.sched_getaffinity(0))[:2]
work = tempfile.mkdtemp()

def start(tag, core):
    path = os.path.join(work, tag)
    open(path, "w").close()
    env = dict(os.environ, SLOGATE_SAMPLES=path, SLOGATE_VALUES=str(values), SLOGATE_WARMUPS="1",
               QS_WORK_SCALE=scale)
    pre = (lambda: os.sched_setaffinity(0, {core})) if core is not None else None
    p = subprocess.Popen([sys.executable, "suites/quickstart/workload.py", "cpu"], env=env,
                         preexec_fn=pre, stdout=subprocess.DEVNULL)
    return p, path

def location(path):
    xs = sorted(json.loads(line)["ns"] for line in open(path) if line.strip())
    q = len(xs) // 4
    mid = xs[q:len(xs) - q] or xs
    return sum(mid) / len(mid)

def one(tag, core=None):
    p, path = start(tag, core)
    p.wait()
    return location(path)

def pair(mode, i):
    swap = (i // 2 + i) % 2 == 1   # blocks of two: one each way
    t0 = time.perf_counter()
    if mode == "interleaved":
        if swap:
            b = one("b"); a = one("a")
        else:
            a = one("a"); b = one("b")
    else:
        ca, cb = (cores[1], cores[0]) if swap else (cores[0], cores[1])
        pa, fa = start("a", ca)
        pb, fb = start("b", cb)
        pa.wait(); pb.wait()
        a, b = location(fa), location(fb)
    return math.log(b / a), time.perf_counter() - t0

logs = {"interleaved": [], "duet": []}
secs = {"interleaved": 0.0, "duet": 0.0}
for i in range(pairs):
    for mode in (("interleaved", "duet") if i % 2 == 0 else ("duet", "interleaved")):
        l, s = pair(mode, i)
        logs[mode].append(l)
        secs[mode] += s

z = 2.5758  # 99%, two-sided
print("| mode | pairs | sd of log ratios | IQR/1.349 | s a pair | pairs in %gs | 99%% half-width at %gs |"
      % (budget, budget))
print("|---|---|---|---|---|---|---|")
for mode in ("interleaved", "duet"):
    ls = logs[mode]
    sd = statistics.stdev(ls)
    q = statistics.quantiles(ls, n=4)
    robust = (q[2] - q[0]) / 1.349
    per = secs[mode] / len(ls)
    n = budget / per
    print("| %s | %d | %.2f%% | %.2f%% | %.3f | %.0f | %.2f%% (robust %.2f%%) |"
          % (mode, len(ls), 100 * sd, 100 * robust, per, n, 100 * z * sd / math.sqrt(n),
             100 * z * robust / math.sqrt(n)))
PY
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
