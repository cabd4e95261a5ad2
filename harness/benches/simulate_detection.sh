#!/usr/bin/env bash
# What `ab --simulate` tells with 3 processes a side: one A/A comparison, then TRIES comparisons
# whose candidate does +0.5% work in one function, under valgrind; prints the verdict and ratio of
# `instructions` (whole process, start-up included) for each. The workload, written to a
# temporary suite: a pure-Python loop over small integers (no allocation per step, so DHAT's run
# stays short), `process` protocol, `work_scale` multiplying the loop's length.
#
#   harness/benches/simulate_detection.sh [--tries 10] [--threshold 0.1%]
#
# Run from the repository root, with valgrind installed. SLOGATE names the binary (default:
# target/release/slogate when built, else target/debug/slogate). A comparison takes about 3
# minutes on a busy 2-core machine (12 processes, each under cachegrind then DHAT; Python's
# start-up alone takes about 6 s under valgrind there).
set -euo pipefail

tries=10
threshold=0.1%
while [ $# -gt 0 ]; do
    case "$1" in
        --tries) tries=$2; shift 2 ;;
        --threshold) threshold=$2; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
# shellcheck source=harness/benches/lib.sh
. "$(dirname "$0")/lib.sh"
find_slogate

work=$(mktemp -d -t slogate-simulate-XXXXXX)
trap 'rm -rf "$work"' EXIT
log="$work/log.tsv"

mkdir -p "$work/sim"
cat > "$work/sim/suite.toml" <<'TOML'
[suite]
name = "sim"
[vars]
work_scale = "1.0"
[defaults]
protocol = "process"
processes = 3
timeout = "10s"
[[scenario]]
name = "loop"
command = ["python3", "-S", "work.py"]
env.WORK_SCALE = "{work_scale}"
TOML
cat > "$work/sim/work.py" <<'PY'
import os
def measured(n):
    x = 0
    for _ in range(n // 100):
        for _ in range(100):
            x = (x * 7 + 3) & 255
    return x
n = int(400000 * float(os.environ["WORK_SCALE"]))
measured(n)
PY

ab() {  # ab CANDIDATE_SCALE SEED: the change of instructions
    "$SLOGATE" ab "$work/sim" --simulate \
        --baseline-var work_scale=1.0 --candidate-var work_scale="$1" --seed "$2" \
        --noise-threshold "$threshold" --results-dir "$work/ab" --json "$work/ab.json" \
        --report "$work/report.md" --fail-on none 2>/dev/null || true
    metric_change "$work/ab.json" instructions
}

echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "scale\ttry\tverdict\tratio\tlow\thigh\n" | tee "$log"
printf "1.0\t0\t%s\n" "$(ab 1.0 0)" | tee -a "$log"
for try in $(seq 1 "$tries"); do
    printf "1.005\t%s\t%s\n" "$try" "$(ab 1.005 "$try")" | tee -a "$log"
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$log" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print("| candidate | comparisons | 📈 regression | ~same | other | instructions ratios |")
print("|---|---|---|---|---|---|")
for scale, name in (("1.0", "A/A"), ("1.005", "+0.5% work")):
    rs = [r for r in rows if r["scale"] == scale]
    reg = sum(r["verdict"] == "regression" for r in rs)
    same = sum(r["verdict"] == "same" for r in rs)
    ratios = sorted({r["ratio"] for r in rs})
    print(f"| {name} | {len(rs)} | {reg} | {same} | {len(rs) - reg - same} | {', '.join(ratios)} |")
PY
