#!/usr/bin/env bash
# What `ab --simulate` tells with 3 processes a side: each try runs an A/A comparison and one whose
# candidate does +0.5% work in one function, under valgrind, and prints the verdicts and ratios of
# `instructions` (whole process) and `instructions_per_iteration` (the measured part). The
# workload, written to a temporary suite: a pure-Python loop over small integers (no allocation
# per step, so DHAT's run stays short), 2 values a process (`samples` protocol), `work_scale`
# multiplying the loop's length.
#
#   harness/benches/simulate_detection.sh [--tries 10] [--threshold 0.1%]
#
# Run from the repository root, with valgrind installed. SLOGATE names the binary (default:
# target/release/slogate when built, else target/debug/slogate). A try takes 1-2 minutes on a
# busy 2-core machine (12 processes under the simulator, each run three times).
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
protocol = "samples"
processes = 3
values = 2
warmups = 0
timeout = "10s"
[[scenario]]
name = "loop"
command = ["python3", "-S", "work.py"]
env.WORK_SCALE = "{work_scale}"
TOML
cat > "$work/sim/work.py" <<'PY'
import json, os
def measured(n):
    x = 0
    for _ in range(n // 100):
        for _ in range(100):
            x = (x * 7 + 3) & 255
    return x
n = int(200000 * float(os.environ["WORK_SCALE"]))
for _ in range(int(os.environ["SLOGATE_VALUES"])):
    measured(n)
    with open(os.environ["SLOGATE_SAMPLES"], "a") as f:
        f.write(json.dumps({"ns": 1}) + "\n")
PY

ab() {  # ab CANDIDATE_SCALE SEED: one line per metric
    "$SLOGATE" ab "$work/sim" --simulate \
        --baseline-var work_scale=1.0 --candidate-var work_scale="$1" --seed "$2" \
        --noise-threshold "$threshold" --results-dir "$work/ab" --json "$work/ab.json" \
        --report "$work/report.md" --fail-on none 2>/dev/null || true
    for metric in instructions instructions_per_iteration; do
        printf "%s\t%s\n" "$metric" "$(metric_change "$work/ab.json" "$metric")"
    done
}

echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "scale\ttry\tmetric\tverdict\tratio\tlow\thigh\n" | tee "$log"
for try in $(seq 1 "$tries"); do
    for scale in 1.0 1.005; do
        ab "$scale" "$try" | sed "s/^/$scale\t$try\t/" | tee -a "$log"
    done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$log" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print("| candidate | metric | tries | regression | same | other | ratios |")
print("|---|---|---|---|---|---|---|")
for scale, name in (("1.0", "A/A"), ("1.005", "+0.5% work")):
    for metric in ("instructions", "instructions_per_iteration"):
        rs = [r for r in rows if r["scale"] == scale and r["metric"] == metric]
        reg = sum(r["verdict"] == "regression" for r in rs)
        same = sum(r["verdict"] == "same" for r in rs)
        ratios = sorted({r["ratio"] for r in rs})
        print(f"| {name} | {metric} | {len(rs)} | {reg} | {same} | {len(rs) - reg - same} | {', '.join(ratios)} |")
PY
