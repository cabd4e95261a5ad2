# shellcheck shell=bash
# Shared by the benchmark scripts that drive the slogate binary on quickstart's CPU benchmark:
# source it from the repository root.

# Sets SLOGATE to the binary to drive (default: target/release/slogate when built, else
# target/debug/slogate) and checks that the script runs from the repository root.
find_slogate() {
    if [ -z "${SLOGATE:-}" ]; then
        SLOGATE=target/debug/slogate
        [ -x target/release/slogate ] && SLOGATE=target/release/slogate
    fi
    [ -x "$SLOGATE" ] || { echo "no slogate binary at $SLOGATE (cargo build first)" >&2; exit 2; }
    [ -f suites/quickstart/suite.toml ] || { echo "run from the repository root" >&2; exit 2; }
}

# The change of METRIC of the first benchmark in a comparison JSON: verdict, ratio, low, high,
# tab-separated ("none 0 0 0" without one).
metric_change() {
    python3 - "$1" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
for b in c["benchmarks"]:
    for m in b["metrics"]:
        if m["metric"] == sys.argv[2]:
            ch = m.get("change") or {}
            print("%s\t%.4f\t%.4f\t%.4f" % (ch.get("verdict", "none"), ch.get("ratio", 0),
                                            ch.get("ratio_low", 0), ch.get("ratio_high", 0)))
            sys.exit(0)
print("none\t0\t0\t0")
PY
}

# The execution_time change of the first benchmark in a comparison JSON (see metric_change).
execution_time_change() {
    metric_change "$1" execution_time
}

# How many processes the first benchmark of a results file measured execution_time in.
processes_of() {
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(len(r['benchmarks'][0]['metrics']['execution_time']['processes']))" "$1"
}
