#!/bin/sh
# What the `process` protocol costs per sample: times `true` with `slogate run` and with
# `hyperfine -N` (no shell), in alternating chunks (slogate, hyperfine, slogate, ...) so that the
# machine's drift hits both alike, then prints both mean times per process and their ratio.
# Usage: harness/benches/process_overhead.sh [RUNS] [CHUNKS]   (SLOGATE=path/to/slogate to pick a build)
set -eu
runs=${1:-1000}
chunks=${2:-4}
per_chunk=$((runs / chunks))
here=$(cd "$(dirname "$0")/../.." && pwd)
slogate=${SLOGATE:-$here/target/release/slogate}
[ -x "$slogate" ] || { echo "build slogate first (cargo build --release -p slogate)" >&2; exit 2; }
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
processes = $per_chunk
warmups = 3
timeout = "10s"

[[scenario]]
name = "true"
command = ["$true_bin"]
TOML
i=1
while [ "$i" -le "$chunks" ]; do
    "$slogate" run "$work/suites" -o "$work/slogate-$i.json" --seed "$i" 2>/dev/null
    hyperfine -N --warmup 3 --runs "$per_chunk" --export-json "$work/hyperfine-$i.json" "$true_bin" \
        >/dev/null 2>&1
    i=$((i + 1))
done
python3 - "$work" "$chunks" <<'PY'
import json, statistics, sys
work, chunks = sys.argv[1], int(sys.argv[2])
ours, theirs = [], []
for i in range(1, chunks + 1):
    s = json.load(open(f"{work}/slogate-{i}.json"))
    ours += [p[0] / 1e3 for p in s["benchmarks"][0]["metrics"]["execution_time"]["processes"]]
    theirs += [t * 1e6 for t in json.load(open(f"{work}/hyperfine-{i}.json"))["results"][0]["times"]]
o, t = statistics.mean(ours), statistics.mean(theirs)
print(f"slogate process protocol: {o:8.1f} us per sample (median {statistics.median(ours):.1f}, n={len(ours)})")
print(f"hyperfine -N:             {t:8.1f} us per sample (median {statistics.median(theirs):.1f}, n={len(theirs)})")
print(f"ratio slogate/hyperfine:  {o / t:8.2f} (medians {statistics.median(ours) / statistics.median(theirs):.2f})")
PY
