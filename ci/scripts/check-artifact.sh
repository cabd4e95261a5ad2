#!/usr/bin/env bash
# Checks the `slogate-report` artifact of another workflow run before anything reads it: the
# reusable comment and check-run workflows trust nothing the pull request produced.
#
#   ci/scripts/check-artifact.sh size REPO RUN_ID   # before downloading: it exists, < 100 MB
#   ci/scripts/check-artifact.sh files DIR          # after: sizes, no symlinks, both results files
#
# `size` needs the `gh` CLI with GH_TOKEN (actions: read). Exits 1 with a ::error:: line.
set -euo pipefail

fail() { echo "::error::$1"; exit 1; }

case ${1:-} in
  size)
    repo=${2:?REPO} run_id=${3:?RUN_ID}
    size=$(gh api "repos/$repo/actions/runs/$run_id/artifacts" \
      --jq '[.artifacts[] | select(.name == "slogate-report") | .size_in_bytes][0] // empty')
    [[ $size =~ ^[0-9]+$ ]] || fail "the run uploaded no slogate-report artifact"
    ((size < 100000000)) || fail "artifact is $size bytes"
    ;;
  files)
    dir=${2:?DIR}
    # Sizes first: a results file is JSON of raw values, megabytes at most.
    total=$(du -sb "$dir" | cut -f1)
    ((total < 100000000)) || fail "artifact is $total bytes"
    if find "$dir" -type l | grep -q .; then fail "artifact holds symlinks"; fi
    for side in baseline candidate; do
      f=$dir/results/$side.json
      [[ -f $f ]] || fail "artifact lacks results/$side.json"
      size=$(stat -c %s "$f")
      ((size < 50000000)) || fail "$f is $size bytes"
    done
    f=$dir/results/profiles.json
    if [[ -f $f ]]; then
      size=$(stat -c %s "$f")
      ((size < 10000000)) || fail "$f is $size bytes"
    fi
    ;;
  *) echo "usage: check-artifact.sh size REPO RUN_ID | files DIR" >&2; exit 2 ;;
esac
