#!/usr/bin/env bash
# Values per process chosen by `slogate ab` (`values = "auto"`) against pyperf's fixed 3, at equal
# budget: A/A comparisons of a pyperf benchmark whose process pays a dear start-up, in three
# regimes of noise:
#   scatter     values of 2 ms scatter within a process (30%), processes agree: many values
#               should pay (they are cheap beside the start-up, and average what pairs cannot)
#   processes   values of 50 ms agree (1%), processes differ (5%): one value a process should pay
#   even        values of 150 ms, 3% between processes and 3% within: about 2 values (k* =
#               sqrt(s/t)), near pyperf's 3, as on asyncio-profiler
# Each value is a sleep of VALUE seconds (pyperf's `--min-time` half of it: one loop a value)
# times the process's own factor (lognormal, BETWEEN) times the value's (lognormal, WITHIN); the
# script sleeps 0.15 s before importing pyperf. Sleeps keep the noise what the regime sets,
# whatever else runs on the machine. Modes, alternated within each repetition:
#   chosen      `values = "auto"`: `ab` chooses them at each look from what it measured, from 3
#   fixed       `values = 3`
# Printed: per regime and mode, the median half-width of the execution-time interval (log scale,
# as a percentage, at the confidence each comparison states), the rounds, the values `ab` chose,
# and A/A flags (any regression or improvement is a false alarm).
#
#   harness/benches/values_per_process.sh [--budget 30s] [--reps 4]
#       [--regimes "scatter processes even"]
#
# Run from the repository root; PYTHON names a python3 with pyperf (default: python3). SLOGATE as
# for the other scripts. The defaults take about 3 x 2 x 4 x 31 s = 13 minutes.
set -euo pipefail

budget=30s
reps=4
regimes="scatter processes even"
while [ $# -gt 0 ]; do
    case "$1" in
        --budget) budget=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --regimes) regimes=$2; shift 2 ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
# shellcheck source=harness/benches/lib.sh
. "$(dirname "$0")/lib.sh"
find_slogate
SLOGATE=$(realpath "$SLOGATE")
python=${PYTHON:-python3}
python=$(command -v "$python") || { echo "no python3" >&2; exit 2; }
"$python" -c 'import pyperf' 2>/dev/null || { echo "$python has no pyperf (pip install pyperf)" >&2; exit 2; }

work=$(mktemp -d -t slogate-vpp-XXXXXX)
trap 'rm -rf "$work"' EXIT
log="$work/log.tsv"
startup=0.15

# Writes the suite of REGIME (VALUE BETWEEN WITHIN) in mode MODE under $work/REGIME-MODE.
make_suite() {
    local regime=$1 value=$2 between=$3 within=$4 mode=$5 dir="$work/$1-$5/suites/s"
    mkdir -p "$dir"
    cat >"$dir/bench.py" <<EOF
import random, time
time.sleep($startup)
import pyperf

factor = random.lognormvariate(0, $between)


def scattered(loops):
    took = 0.0
    for _ in range(loops):
        start = time.perf_counter()
        time.sleep($value * factor * random.lognormvariate(0, $within))
        took += time.perf_counter() - start
    return took


pyperf.Runner().bench_time_func("$regime", scattered)
EOF
    local values='values = "auto"' min_time
    min_time=$(python3 -c "print($value / 2)")
    [ "$mode" = fixed ] && values="values = 3"
    cat >"$dir/suite.toml" <<EOF
[suite]
name = "s"

[defaults]
protocol = "pyperf"
timeout = "60s"
$values

[[scenario]]
name = "$regime"
command = ["$python", "bench.py", "--min-time", "$min_time"]
EOF
}

echo "# budget $budget a comparison, $reps repetitions, start-up ${startup}s + the interpreter's"
echo "# the machine's load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "regime\tmode\trep\tverdict\tratio\tlow\thigh\trounds\tvalues\n" >"$log"
for regime in $regimes; do
    case $regime in
        scatter) value=0.002; between=0; within=0.3 ;;
        processes) value=0.05; between=0.05; within=0.01 ;;
        even) value=0.15; between=0.03; within=0.03 ;;
        *) echo "unknown regime: $regime" >&2; exit 2 ;;
    esac
    for mode in chosen fixed; do make_suite "$regime" "$value" "$between" "$within" "$mode"; done
    for rep in $(seq 1 "$reps"); do
        order="chosen fixed"
        [ $((rep % 2)) -eq 0 ] && order="fixed chosen"
        for mode in $order; do
            dir="$work/$regime-$mode"
            (cd "$dir" && "$SLOGATE" ab suites/s --budget "$budget" --seed "$rep" \
                --fail-on none --json cmp.json >/dev/null 2>&1) || true
            read -r v r lo hi <<<"$(execution_time_change "$dir/cmp.json")"
            rounds=$(processes_of "$dir/slogate-ab/baseline.json" 2>/dev/null || echo 0)
            values=$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))["meta"]["analysis"]["rounds"][0]
print(",".join(str(c["values"]) for c in r.get("values_per_process", [])) or "-")' \
                "$dir/slogate-ab/baseline.json" 2>/dev/null || echo "?")
            printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$regime" "$mode" "$rep" "$v" "$r" "$lo" "$hi" \
                "$rounds" "$values" | tee -a "$log"
        done
    done
done
echo "# the machine's load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$log" <<'EOF'
import csv, math, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print()
print("| regime | mode | median half-width | rounds (mean) | values chosen | A/A flags |")
print("|---|---|---|---|---|---|")
for regime in dict.fromkeys(r["regime"] for r in rows):
    for mode in ("chosen", "fixed"):
        rs = [r for r in rows if r["regime"] == regime and r["mode"] == mode]
        widths = [math.log(float(r["high"]) / float(r["low"])) / 2 * 100
                  for r in rs if float(r["low"]) > 0]
        rounds = [int(r["rounds"]) for r in rs]
        flags = sum(r["verdict"] in ("regression", "improvement") for r in rs)
        values = sorted({v for r in rs for v in r["values"].split(",") if v not in ("-", "?")},
                        key=int)
        hw = "%.2f%%" % statistics.median(widths) if widths else "-"
        print("| %s | %s | %s | %.1f | %s | %d/%d |" % (
            regime, mode, hw, statistics.mean(rounds) if rounds else 0,
            ", ".join(values) or "3 (set)", flags, len(rs)))
EOF
