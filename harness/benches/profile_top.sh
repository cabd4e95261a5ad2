#!/usr/bin/env bash
# How often `ab --profile` puts the function made 30% slower at the head of its "where it
# changed" table: TRIES runs (default 10) of each source on the test fixtures, py-spy sampling a
# Python workload and callgrind counting a C one. Prints each try's head row and the count.
# Needs py-spy (PATH), valgrind and cc; PYTHON (default python3) runs the Python workload.
# AB_ARGS adds options to `ab` (`--processes 8`: enough rounds for a measured time ratio, flagged
# or undecided, that the sampled profile is scaled to; the suite's own 2 rounds may give none).
# Run from the repository root: harness/benches/profile_top.sh
set -euo pipefail
# shellcheck source=harness/benches/lib.sh
source harness/benches/lib.sh
find_slogate
TRIES=${TRIES:-10}
PYTHON=${PYTHON:-python3}
fixtures=$PWD/harness/tests/fixtures/profile
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O1 -o "$work/three" "$fixtures/native/three.c"
slogate=$(realpath "$SLOGATE")

# The first function of the table in a report; else why there is none (no report, or the
# report's "not profiled" line).
head_function() {
    [ -f "$1" ] || { echo "(no report)"; return 0; }
    local first
    first=$(sed -n '/🔎 Where/,$p' "$1" | grep -A1 '^|:--' | sed -n 2p | cut -d'|' -f2 | sed 's/^ *//; s/ *$//' || true)
    [ -n "$first" ] || first="(no table: $(grep -m1 -o 'not profiled: .*' "$1" || echo 'no profile section'))"
    echo "$first"
}

echo "load before: $(uptime)"
for source in python native; do
    var=python=$PYTHON
    [ "$source" = native ] && var=binary=$work/three
    hits=0
    for i in $(seq 1 "$TRIES"); do
        out=$work/$source-$i
        start=$(date +%s)
        (cd "$fixtures/$source" && "$slogate" ab --var "$var" --candidate-var slow=1.3 \
            ${AB_ARGS:-} --profile=all --results-dir "$out" --report "$out/report.md" . 2>"$out.err") || true
        first=$(head_function "$out/report.md")
        [ "$first" != "(no report)" ] || first="(no report: $(tail -n1 "$out.err"))"
        case "$first" in render*) hits=$((hits + 1)) ;; esac
        echo "$source try $i: head of the table: $first ($(( $(date +%s) - start ))s)"
    done
    echo "$source: the slowed function headed the table in $hits of $TRIES tries"
done
echo "load after: $(uptime)"
