#!/usr/bin/env bash
# Benchmarks a change against its base and writes the report, locally or in CI. Never posts anything.
#
#   ci/scripts/pr-report.sh --base REF --head REF [--merge-base] [--out DIR] [--budget 60s]
#                           [--fail-on LIST] [--changed-only] [--profile flagged|all|none] [SUITE...]
#
# --merge-base compares the head with the commit where it left the base (`git merge-base`), so changes
# merged into the base since then are not blamed on the change. Environment (flags win): SLOGATE (the
# binary, default `slogate`), SLOGATE_BASE, SLOGATE_HEAD, SLOGATE_MERGE_BASE=1, SLOGATE_OUT (default
# `slogate-out`), SLOGATE_SUITES (space-separated), SLOGATE_BUDGET, SLOGATE_FAIL_ON,
# SLOGATE_CHANGED_ONLY=1, SLOGATE_PROFILE (default none), GITHUB_STEP_SUMMARY (the report is
# appended there when set). --profile profiles the flagged (or all) benchmarks after the comparison.
#
# Writes into OUT: report.md, comparison.json, results/ (baseline.json and candidate.json; with --profile
# also profiles.json and the flame graphs in profiles/), report.xml (JUnit),
# comment.md (the pull-request comment body, carrying the <!-- slogate:report --> marker) and, outside
# GitHub Actions, step-summary.md. Exits with the gate's code: 0 pass, 1 gate failed, 2 error.
set -euo pipefail

slogate=${SLOGATE:-slogate}
base=${SLOGATE_BASE:-}
head=${SLOGATE_HEAD:-}
out=${SLOGATE_OUT:-slogate-out}
budget=${SLOGATE_BUDGET:-}
fail_on=${SLOGATE_FAIL_ON:-}
merge_base=${SLOGATE_MERGE_BASE:-0}
changed_only=${SLOGATE_CHANGED_ONLY:-0}
profile=${SLOGATE_PROFILE:-none}
read -r -a suites <<<"${SLOGATE_SUITES:-}"

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

from_cli=()
while (($#)); do
  case $1 in
    --base) base=${2:?--base needs a ref}; shift 2 ;;
    --head) head=${2:?--head needs a ref}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --budget) budget=${2:?--budget needs a duration}; shift 2 ;;
    --fail-on) fail_on=${2:?--fail-on needs a list}; shift 2 ;;
    --merge-base) merge_base=1; shift ;;
    --changed-only) changed_only=1; shift ;;
    --profile) profile=${2:?--profile needs flagged, all or none}; shift 2 ;;
    -h|--help) usage ;;
    --) shift; from_cli+=("$@"); break ;;
    -*) echo "pr-report.sh: unknown option $1" >&2; usage ;;
    *) from_cli+=("$1"); shift ;;
  esac
done
if ((${#from_cli[@]})); then
  suites=("${from_cli[@]}")
fi
case $profile in
  flagged|all|none|'') ;;
  *) echo "pr-report.sh: --profile must be flagged, all or none, not '$profile'" >&2; exit 2 ;;
esac
if [[ -z $base || -z $head ]]; then
  echo "pr-report.sh: --base and --head (or SLOGATE_BASE and SLOGATE_HEAD) are required" >&2
  exit 2
fi

status=0
if [[ $merge_base == 1 ]]; then
  if fork_point=$(git merge-base "$base" "$head"); then
    echo "pr-report.sh: comparing with $fork_point, the merge base of $base and $head" >&2
    base=$fork_point
  else
    # Still leaves a comment saying so, below, like any failed run.
    echo "pr-report.sh: no merge base of $base and $head (a shallow clone? fetch the full history)" >&2
    status=2
  fi
fi

mkdir -p "$out/results"
marker='<!-- slogate:report -->'

args=(ab --baseline-ref "$base" --candidate-ref "$head"
  --format md -o "$out/report.md" --json "$out/comparison.json"
  --results-dir "$out/results")
[[ -n $budget ]] && args+=(--budget "$budget")
[[ -n $fail_on ]] && args+=(--fail-on "$fail_on")
[[ $profile == flagged || $profile == all ]] && args+=("--profile=$profile")
# Only the suites whose `paths` the change touches: the rest cannot have moved.
[[ $changed_only == 1 ]] && args+=(--changed-since "$base")
# (The `+` form keeps an empty list valid under `set -u` in older bash.)
args+=(${suites[@]+"${suites[@]}"})

if ((status == 0)); then
  echo "+ $slogate ${args[*]}" >&2
  "$slogate" "${args[@]}" || status=$?
fi

if [[ -s $out/report.md ]]; then
  # The renderer puts the marker first; keep it there even if a report came from elsewhere, so
  # post-comment.sh finds and updates the same comment.
  if grep -qF "$marker" "$out/report.md"; then
    cp "$out/report.md" "$out/comment.md"
  else
    { echo "$marker"; cat "$out/report.md"; } >"$out/comment.md"
  fi
else
  {
    echo "$marker"
    echo "slogate could not produce a report (exit code $status); see the job log."
  } >"$out/comment.md"
fi

# JUnit for CI test-report views (GitLab's `reports: junit`), rendered from the results files
# `ab --results-dir` wrote; the gate's code stays the one `ab` returned.
if [[ -s $out/results/baseline.json && -s $out/results/candidate.json ]]; then
  "$slogate" compare "$out/results/baseline.json" "$out/results/candidate.json" \
    --format junit -o "$out/report.xml" || true
fi

summary=${GITHUB_STEP_SUMMARY:-$out/step-summary.md}
cat "$out/comment.md" >>"$summary"

echo "pr-report.sh: gate exit code $status; comment body in $out/comment.md" >&2
exit "$status"
