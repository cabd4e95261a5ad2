#!/usr/bin/env bash
# The nightly job: runs suites on the current checkout, adds the results to the history database and
# redraws the trend pages.
#
#   ci/scripts/nightly.sh [--db FILE] [--out DIR] [SUITE...]
#
# Environment (flags win): SLOGATE (the binary, default `slogate`), SLOGATE_HISTORY_DB (default
# `history/slogate.db`), SLOGATE_OUT (default `slogate-nightly`), SLOGATE_SUITES (default: suites).
# Writes OUT/results.json and the trend pages into OUT/trend/.
set -euo pipefail

slogate=${SLOGATE:-slogate}
db=${SLOGATE_HISTORY_DB:-history/slogate.db}
out=${SLOGATE_OUT:-slogate-nightly}
read -r -a suites <<<"${SLOGATE_SUITES:-suites}"

from_cli=()
while (($#)); do
  case $1 in
    --db) db=${2:?--db needs a file}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "nightly.sh: unknown option $1" >&2; exit 2 ;;
    *) from_cli+=("$1"); shift ;;
  esac
done
if ((${#from_cli[@]})); then
  suites=("${from_cli[@]}")
fi

mkdir -p "$out" "$(dirname "$db")"
status=0
set -x
# A failed or timed-out benchmark is still history worth keeping: record whatever the run wrote.
"$slogate" run "${suites[@]}" --side nightly -o "$out/results.json" || status=$?
[[ -s $out/results.json ]] || exit "$status"
"$slogate" history add --db "$db" "$out/results.json"
"$slogate" trend --db "$db" -o "$out/trend"
exit "$status"
