#!/usr/bin/env bash
# `slogate compare` against `pyperf compare_to` on two pyperf files of many benchmarks, run side by
# side: prints each tool's wall time and peak RSS (from /usr/bin/time -v) and the ratios.
#
# Usage (from the repository root, after `cargo build --release`):
#   harness/benches/compare_speed.sh [BENCHMARKS] [PROCESSES] [VALUES]
# Defaults: 10000 benchmarks of 20 worker processes x 3 values (60 values each) plus each
# process's mem_max_rss. Needs python3 with pyperf (pip install pyperf) and GNU time. Set
# SLOGATE to measure another build, and OTHER_SLOGATE to measure a second build (an older one) in
# the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=harness/benches/lib.sh
source harness/benches/lib.sh
find_slogate

benchmarks=${1:-10000}
processes=${2:-20}
values=${3:-3}
[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (apt-get install time)" >&2; exit 2; }
python3 -c "import pyperf" 2>/dev/null || { echo "needs pyperf: pip install pyperf" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Two files in pyperf's own format (as `pyperf ... -o` writes it: version 1.0, metadata layered
# file < benchmark < run, a calibration run first, warm-ups beside the values), the candidate 3%
# slower on every tenth benchmark.
python3 - "$work" "$benchmarks" "$processes" "$values" <<'PY'
import json, random, sys
work, n, procs, vals = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for side, seed in (("base", 1), ("cand", 2)):
    rnd = random.Random(seed)
    benches = []
    for b in range(n):
        level = 1e-4 * (1 + b % 50) * (1.03 if side == "cand" and b % 10 == 0 else 1.0)
        runs = [{"metadata": {"calibrate_loops": 1024, "date": "2026-11-24 08:00:00.000000",
                              "duration": 0.5},
                 "warmups": [[1024, level * 1.1]]}]
        for p in range(procs):
            pl = level * (1 + rnd.gauss(0, 0.01))
            runs.append({
                "metadata": {"date": "2026-11-24 08:%02d:%02d.%06d" % (p // 60, p % 60, b),
                             "duration": 0.3 + rnd.random() * 0.1,
                             "load_avg_1min": 1.5, "mem_max_rss": 20_000_000 + rnd.randrange(1_000_000),
                             "uptime": 1000.0 + p},
                "warmups": [[1024, pl * 1.05]],
                "values": [pl * (1 + rnd.gauss(0, 0.005)) for _ in range(vals)],
            })
        benches.append({"metadata": {"name": "bench_%05d" % b, "loops": 1024}, "runs": runs})
    doc = {"version": "1.0",
           "metadata": {"cpu_count": 2, "cpu_model_name": "Test CPU", "hostname": "ci-1",
                        "perf_version": "2.8.0", "python_version": "3.11.7 (64-bit)",
                        "timer": "clock_gettime(CLOCK_MONOTONIC), resolution: 1.00 ns",
                        "unit": "second"},
           "benchmarks": benches}
    with open("%s/%s.json" % (work, side), "w") as f:
        json.dump(doc, f)
PY

# Runs a command under GNU time; prints "<wall seconds> <CPU seconds> <peak KB>" of it (the CPU
# time, user plus system, is what a loaded machine stretches least).
measure() {
    /usr/bin/time -v "$@" >"$work/out" 2>"$work/time" || {
        echo "failed: $*" >&2; tail -n 30 "$work/time" >&2; exit 1; }
    awk -F': ' '/Elapsed \(wall clock\)/ {
                    n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; wall = s }
                /User time \(seconds\)/ { cpu += $2 }
                /System time \(seconds\)/ { cpu += $2 }
                /Maximum resident set size/ { rss = $2 }
                END { print wall, cpu, rss }' "$work/time"
}

echo "load: $(uptime)"
echo "files: $benchmarks benchmarks x $processes processes x $values values (+ mem_max_rss), $(du -h "$work/base.json" | cut -f1) each"
row() {
    awk -v name="$1" -v w="$2" -v c="$3" -v r="$4" \
        'BEGIN { printf "%-24s %9.2f %9.2f %8.0f MiB\n", name, w, c, r / 1024 }'
}
compare_with() {
    measure "$1" compare "$work/base.json" "$work/cand.json" --format json -o "$work/c.json" \
        --fail-on none
}
read -r s_wall s_cpu s_rss < <(compare_with "$SLOGATE")
if [ -n "${OTHER_SLOGATE:-}" ]; then
    read -r o_wall o_cpu o_rss < <(compare_with "$OTHER_SLOGATE")
fi
read -r p_wall p_cpu p_rss < <(measure python3 -m pyperf compare_to "$work/base.json" "$work/cand.json")
printf '%-24s %9s %9s %12s\n' tool "wall (s)" "CPU (s)" "peak RSS"
row "slogate compare" "$s_wall" "$s_cpu" "$s_rss"
[ -n "${OTHER_SLOGATE:-}" ] && row "slogate compare (other)" "$o_wall" "$o_cpu" "$o_rss"
row "pyperf compare_to" "$p_wall" "$p_cpu" "$p_rss"
awk -v sw="$s_wall" -v sc="$s_cpu" -v sr="$s_rss" -v pw="$p_wall" -v pc="$p_cpu" -v pr="$p_rss" \
    'BEGIN { printf "slogate against pyperf: %.0fx faster (wall), %.0fx (CPU), %.2fx the peak memory\n",
             pw / sw, pc / sc, sr / pr }'
echo "load after: $(uptime)"
