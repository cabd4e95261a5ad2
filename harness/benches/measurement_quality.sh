#!/usr/bin/env bash
# Measurement quality of `slogate ab` against `slogate run` + `slogate compare`: false alarms of
# A/A comparisons and detection of injected +2%, +5% and +10% slowdowns, at a fixed time budget.
#
# Workload: quickstart `cpu[profiler=off]` (pure-Python arithmetic), its work scaled by the suite
# variable `work_scale`: the baseline runs SCALE, the candidate SCALE * (1 + slowdown).
#
# Both modes get the same number of processes, so the same machine time:
#   ab            `slogate ab --budget BUDGET`: both sides interleaved, stops early when decisive.
#   run+compare   two `slogate run`s one after the other (baseline, then candidate), each with as
#                 many processes as ab ran per side in the same repetition, then `compare`.
# A comparison counts as a false alarm (A/A) or a detection (A/B) when the execution_time change of
# the benchmark is flagged (regression or improvement for A/A; regression for A/B).
#
#   harness/benches/measurement_quality.sh [--budget 60s] [--reps 20] [--scale 1] [--threshold 1%]
#       [--modes "ab run+compare"] [--slowdowns "0 0.02 0.05 0.10"]
#
# Run from the repository root. SLOGATE names the binary (default: target/release/slogate when
# built, else target/debug/slogate). The defaults take up to about 20 x 4 x 2 x 60 s = 2.7 hours.
set -euo pipefail

budget=60s
reps=20
scale=1
threshold=1%
modes="ab run+compare"
slowdowns="0 0.02 0.05 0.10"
while [ $# -gt 0 ]; do
    case "$1" in
        --budget) budget=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        --scale) scale=$2; shift 2 ;;
        --threshold) threshold=$2; shift 2 ;;
        --modes) modes=$2; shift 2 ;;
        --slowdowns) slowdowns=$2; shift 2 ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
# shellcheck source=harness/benches/lib.sh
. "$(dirname "$0")/lib.sh"
find_slogate

work=$(mktemp -d -t slogate-mq-XXXXXX)
trap 'rm -rf "$work"' EXIT
suite=suites/quickstart
filter='cpu\[profiler=off\]'
log="$work/log.tsv"

echo "# budget $budget per comparison, $reps repetitions, work_scale $scale, noise threshold $threshold"
echo "# the machine's load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "mode\tslowdown\trep\tverdict\tratio\tlow\thigh\tprocesses\tseconds\n" | tee "$log"

for rep in $(seq 1 "$reps"); do
    i=0
    for d in $slowdowns; do
        i=$((i + 1))
        cand=$(python3 -c "import sys; print(round(float(sys.argv[1]) * (1 + float(sys.argv[2])), 6))" "$scale" "$d")
        seed=$((rep * 100 + i))
        # ab: it always runs, since run+compare gets as many processes as ab ran
        t0=$(date +%s.%N)
        "$SLOGATE" ab "$suite" --filter "$filter" --baseline-var work_scale="$scale" \
            --candidate-var work_scale="$cand" --budget "$budget" --seed "$seed" \
            --noise-threshold "$threshold" --results-dir "$work/ab" --json "$work/ab.json" \
            --report "$work/report.md" --fail-on none 2>/dev/null || true
        secs=$(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)")
        read -r v r lo hi _ <<<"$(execution_time_change "$work/ab.json")"
        run_procs=$(processes_of "$work/ab/baseline.json")
        printf "ab\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$d" "$rep" "$v" "$r" "$lo" "$hi" \
            "$run_procs" "$secs" | tee -a "$log"
        case " $modes " in *" run+compare "*) ;; *) continue ;; esac
        # run + compare
        t0=$(date +%s.%N)
        "$SLOGATE" run "$suite" --filter "$filter" --var work_scale="$scale" --processes "$run_procs" \
            --seed "$seed" --side baseline -o "$work/base.json" 2>/dev/null || true
        "$SLOGATE" run "$suite" --filter "$filter" --var work_scale="$cand" --processes "$run_procs" \
            --seed "$seed" --side candidate -o "$work/cand.json" 2>/dev/null || true
        "$SLOGATE" compare "$work/base.json" "$work/cand.json" --noise-threshold "$threshold" \
            --seed "$seed" --json "$work/rc.json" --report "$work/report.md" --fail-on none 2>/dev/null || true
        secs=$(python3 -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$(date +%s.%N)")
        read -r v r lo hi _ <<<"$(execution_time_change "$work/rc.json")"
        printf "run+compare\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$d" "$rep" "$v" "$r" "$lo" "$hi" \
            "$run_procs" "$secs" | tee -a "$log"
    done
done

echo
echo "# the machine's load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$log" "$budget" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
budget = sys.argv[2]
print("| mode | budget | reps | false alarms (A/A) | detected +2% | detected +5% | detected +10% | unstable | mean time |")
print("|---|---|---|---|---|---|---|---|---|")
for mode in ("ab", "run+compare"):
    mine = [r for r in rows if r["mode"] == mode]
    def cell(d, flagged):
        rs = [r for r in mine if abs(float(r["slowdown"]) - d) < 1e-9]
        hits = sum(r["verdict"] in flagged for r in rs)
        return "%d/%d (%.0f%%)" % (hits, len(rs), 100.0 * hits / len(rs)) if rs else "-"
    reps = len([r for r in mine if float(r["slowdown"]) == 0])
    unstable = sum(r["verdict"] == "unstable" for r in mine)
    secs = [float(r["seconds"]) for r in mine]
    if not mine:
        continue
    print("| %s | %s | %d | %s | %s | %s | %s | %d/%d | %.0f s |" % (
        mode, budget, reps, cell(0.0, ("regression", "improvement")), cell(0.02, ("regression",)),
        cell(0.05, ("regression",)), cell(0.10, ("regression",)), unstable, len(mine),
        sum(secs) / len(secs) if secs else 0))
EOF
