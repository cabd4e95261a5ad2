#!/usr/bin/env bash
# Do `ab --budget`'s early stops report inflated ratios? A sequential rule stops more often on a look
# where the change happened to look large, so its estimates could run high. This compares the
# ratios of budgeted runs (most stop after 16-64 rounds) with a long fixed-round run of the same
# slowdown measured just before.
#
# Workload: quickstart `cpu[profiler=off]`, the candidate's `work_scale` 1.05 and 1.10 times the
# baseline's.
#
#   harness/benches/early_stop_bias.sh [--reps 12] [--reference-rounds 120] [--budget 60s]
#
# Run from the repository root. SLOGATE names the binary (default: target/release/slogate when
# built, else target/debug/slogate). The defaults take about 4 minutes on a quiet 2-core machine.
set -euo pipefail

reps=12
reference_rounds=120
budget=60s
while [ $# -gt 0 ]; do
    case "$1" in
        --reps) reps=$2; shift 2 ;;
        --reference-rounds) reference_rounds=$2; shift 2 ;;
        --budget) budget=$2; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
# shellcheck source=harness/benches/lib.sh
. "$(dirname "$0")/lib.sh"
find_slogate

work=$(mktemp -d -t slogate-bias-XXXXXX)
trap 'rm -rf "$work"' EXIT
log="$work/log.tsv"

ab() {  # ab CANDIDATE_SCALE EXTRA_ARGS...
    local cand=$1; shift
    "$SLOGATE" ab suites/quickstart --filter 'cpu\[profiler=off\]' --baseline-var work_scale=1.0 \
        --candidate-var work_scale="$cand" --noise-threshold 1% --results-dir "$work/ab" \
        --json "$work/ab.json" --report "$work/report.md" --fail-on none "$@" 2>/dev/null || true
    printf "%s\t%s\n" "$(execution_time_change "$work/ab.json")" "$(processes_of "$work/ab/baseline.json")"
}

echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "kind\tscale\trep\tverdict\tratio\tlow\thigh\trounds\n" | tee "$log"
for cand in 1.05 1.1; do
    printf "reference\t%s\t0\t%s\n" "$cand" "$(ab "$cand" --processes "$reference_rounds")" | tee -a "$log"
done
for rep in $(seq 1 "$reps"); do
    for cand in 1.05 1.1; do
        printf "budget\t%s\t%s\t%s\n" "$cand" "$rep" "$(ab "$cand" --budget "$budget" --seed $((rep * 10)))" \
            | tee -a "$log"
    done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$log" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print("| slowdown | reference ratio [interval] | budgeted runs | mean ratio | median | sd | mean rounds | intervals covering the reference |")
print("|---|---|---|---|---|---|---|---|")
for scale in ("1.05", "1.1"):
    ref = next(r for r in rows if r["kind"] == "reference" and r["scale"] == scale)
    runs = [r for r in rows if r["kind"] == "budget" and r["scale"] == scale]
    ratios = [float(r["ratio"]) for r in runs]
    refv = float(ref["ratio"])
    cover = sum(float(r["low"]) <= refv <= float(r["high"]) for r in runs)
    print("| x%s | %.4f [%s, %s] | %d | %.4f | %.4f | %.4f | %.0f | %d/%d |" % (
        scale, refv, ref["low"], ref["high"], len(runs), statistics.mean(ratios),
        statistics.median(ratios), statistics.stdev(ratios) if len(ratios) > 1 else 0.0,
        statistics.mean(float(r["rounds"]) for r in runs), cover, len(runs)))
PY
