#!/usr/bin/env bash
# Two-sided against one-sided tests (`--one-sided`) at equal rounds: how often `slogate compare`
# flags a regression of execution time, on simulated paired A/B runs whose pair ratios have the
# heavy right tail of a shared machine. No timing: the processes' values are drawn, written as
# results files of one interleaved run (paired), and compared by the real binary, both ways, with
# the same files and bootstrap seed.
#
# Each process: 4 values of 0.5 s, log-normal noise of 3% per process and 2% per value, one process
# in ten meeting a busy neighbour throughout (+20% to +50%), one value in seven interrupted (+40%)
# (the model of `ab::sequential`'s tests), both sides drawn apart and the candidate's scaled by the
# true ratio. "False alarms" are the A/A row (true ratio 1.00): regressions flagged beyond the
# threshold, and lower bounds above 1 (the test of "no slowdown at all": nominal 2.5% two-sided,
# 5% one-sided, at 95%).
#
#   harness/benches/one_sided_detection.sh [--runs 200] [--rounds 32] [--threshold 1%]
#
# Run from the repository root. SLOGATE names the binary (default: target/release/slogate when
# built, else target/debug/slogate). 2,000 comparisons by default: about 40 s with a debug build.
set -euo pipefail

runs=200
rounds=32
threshold=1%
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --threshold) threshold=$2; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
# shellcheck source=harness/benches/lib.sh
. "$(dirname "$0")/lib.sh"
find_slogate

work=$(mktemp -d -t slogate-one-sided-XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$SLOGATE" "$work" "$runs" "$rounds" "$threshold" <<'PY'
import json, math, random, subprocess, sys

slogate, work, runs, rounds, threshold = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
ratios = [1.00, 1.03, 1.05, 1.08, 1.12]

def process(rng, scale):
    level = math.exp(rng.gauss(0, 0.03))
    if rng.random() < 0.1:
        level *= rng.uniform(1.2, 1.5)
    return [0.5e9 * scale * level * (1.4 if rng.random() < 1 / 7 else 1.0) * math.exp(rng.gauss(0, 0.02))
            for _ in range(4)]

def results(name, pairing, processes):
    return {
        "schema": "slogate.results/1",
        "meta": {
            "harness_version": "0.1.0", "run_id": name, "pairing": pairing,
            "started_at": "2026-11-24T08:00:00Z", "ended_at": "2026-11-24T08:05:00Z",
            "machine": {"hostname": "h", "cpu_model": "cpu", "cores": 2, "memory_bytes": 1,
                        "kernel": "6.1", "arch": "x86_64", "fingerprint": "sim"},
            "suites": [{"name": "sim", "path": "suite.toml", "hash": "h"}],
        },
        "benchmarks": [{
            "key": "sim/loop", "suite": "sim", "scenario": "loop", "status": "ok",
            "metrics": {"execution_time": {"unit": "ns", "processes": processes}},
        }],
    }

def verdict(base, cand, extra):
    out = f"{work}/cmp.json"
    subprocess.run([slogate, "compare", base, cand, "--noise-threshold", threshold, "--json", out,
                    "--report", f"{work}/report.md", "--fail-on", "none", "--seed", "1", *extra],
                   check=True, stderr=subprocess.DEVNULL)
    m = json.load(open(out))["benchmarks"][0]["metrics"]
    change = next(x for x in m if x["metric"] == "execution_time")["change"]
    return change["verdict"], change["ratio_low"], change["ratio_high"] / change["ratio_low"]

print(f"| true ratio | runs | regressions flagged, two-sided | one-sided | lower bound > 1, two-sided | one-sided | median interval width, two-sided | one-sided |")
print("|---|---|---|---|---|---|---|---|")
for ratio in ratios:
    rng = random.Random(int(ratio * 1000))
    flagged = {"two": 0, "one": 0}
    above = {"two": 0, "one": 0}
    widths = {"two": [], "one": []}
    for run in range(runs):
        b = [process(rng, 1.0) for _ in range(rounds)]
        c = [process(rng, ratio) for _ in range(rounds)]
        for side, data in (("baseline", b), ("candidate", c)):
            with open(f"{work}/{side}.json", "w") as f:
                json.dump(results(side, f"sim-{run}", data), f)
        for mode, extra in (("two", []), ("one", ["--one-sided"])):
            v, low, width = verdict(f"{work}/baseline.json", f"{work}/candidate.json", extra)
            flagged[mode] += v == "regression"
            above[mode] += low > 1.0
            widths[mode].append(width - 1)
    med = lambda v: sorted(v)[len(v) // 2] * 100
    print(f"| {ratio:.2f} | {runs} | {flagged['two'] / runs:.1%} | {flagged['one'] / runs:.1%} "
          f"| {above['two'] / runs:.1%} | {above['one'] / runs:.1%} "
          f"| {med(widths['two']):.2f}% | {med(widths['one']):.2f}% |", flush=True)
PY
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
