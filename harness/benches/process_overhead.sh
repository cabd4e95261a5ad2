#!/bin/sh
# What the `process` protocol costs per sample: times `true` with `slogate run` and with
# `hyperfine -N` (no shell), then prints both mean times per process and their ratio.
# Usage: harness/benches/process_overhead.sh [RUNS]   (SLOGATE=path/to/slogate to pick a build)
set -eu
runs=${1:-300}
here=$(cd "$(dirname "$0")/../.." && pwd)
slogate=${SLOGATE:-$here/target/debug/slogate}
[ -x "$slogate" ] || { echo "build slogate first (cargo build -p slogate)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 2; }
true_bin=$(command -v true)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/suites/overhead"
cat > "$work/suites/overhead/suite.toml" <<TOML
[suite]
name = "overhead"

[defaults]
protocol = "process"
processes = $runs
warmups = 3
timeout = "10s"

[[scenario]]
name = "true"
command = ["$true_bin"]
TOML
"$slogate" run "$work/suites" -o "$work/slogate.json" --seed 1 2>/dev/null
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/hyperfine.json" "$true_bin" >/dev/null 2>&1
python3 - "$work/slogate.json" "$work/hyperfine.json" <<'PY'
import json, statistics, sys
s = json.load(open(sys.argv[1]))
ns = [p[0] for p in s["benchmarks"][0]["metrics"]["execution_time"]["processes"]]
h = json.load(open(sys.argv[2]))["results"][0]["times"]
ours, theirs = statistics.mean(ns) / 1e3, statistics.mean(h) * 1e6
print(f"slogate process protocol: {ours:8.1f} us per sample (median {statistics.median(ns)/1e3:.1f}, n={len(ns)})")
print(f"hyperfine -N:             {theirs:8.1f} us per sample (median {statistics.median(h)*1e6:.1f}, n={len(h)})")
print(f"ratio slogate/hyperfine:  {ours / theirs:8.2f}")
PY
