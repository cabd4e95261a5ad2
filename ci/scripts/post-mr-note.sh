#!/usr/bin/env bash
# Posts the slogate report on a GitLab merge request, or updates the note posted before (the one
# carrying <!-- slogate:report -->), so a merge request has one report note.
#
#   ci/scripts/post-mr-note.sh [--project ID] [--mr IID] --body FILE [--dry-run]
#
# Defaults: CI_PROJECT_ID, CI_MERGE_REQUEST_IID, CI_API_V4_URL (GitLab's predefined variables).
# Token: SLOGATE_GITLAB_TOKEN (a project access token with the `api` scope, a masked CI variable);
# CI_JOB_TOKEN is tried when it is unset, but most GitLab versions do not let a job token write notes.
# Needs curl and jq. --dry-run prints what would be done and calls nothing.
set -euo pipefail

marker='<!-- slogate:report -->'
project=${CI_PROJECT_ID:-} mr=${CI_MERGE_REQUEST_IID:-} api=${CI_API_V4_URL:-https://gitlab.com/api/v4}
body='' dry_run=0

while (($#)); do
  case $1 in
    --project) project=${2:?}; shift 2 ;;
    --mr) mr=${2:?}; shift 2 ;;
    --body) body=${2:?}; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "post-mr-note.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $project ]] || { echo "post-mr-note.sh: --project (or CI_PROJECT_ID) is required" >&2; exit 2; }
[[ $mr =~ ^[0-9]+$ ]] || { echo "post-mr-note.sh: --mr (or CI_MERGE_REQUEST_IID) must be a number" >&2; exit 2; }
[[ -f $body ]] || { echo "post-mr-note.sh: --body FILE is required" >&2; exit 2; }
grep -qF "$marker" "$body" || { echo "post-mr-note.sh: $body lacks the $marker marker" >&2; exit 2; }

# A project path (group/name) must be URL-encoded; a numeric id passes through unchanged.
project_enc=$(jq -rn --arg p "$project" '$p | @uri')
notes="$api/projects/$project_enc/merge_requests/$mr/notes"
if ((dry_run)); then
  echo "would look up: GET $notes (a note containing $marker)"
  echo "would then: PUT $notes/<id> when found, else POST $notes"
  echo "body: $body ($(wc -c <"$body") bytes)"
  exit 0
fi

if [[ -n ${SLOGATE_GITLAB_TOKEN:-} ]]; then
  auth="PRIVATE-TOKEN: $SLOGATE_GITLAB_TOKEN"
elif [[ -n ${CI_JOB_TOKEN:-} ]]; then
  auth="JOB-TOKEN: $CI_JOB_TOKEN"
else
  echo "post-mr-note.sh: set SLOGATE_GITLAB_TOKEN (api scope)" >&2
  exit 2
fi

id=''
page=1
while [[ -z $id && -n $page ]]; do
  headers=$(mktemp)
  found=$(curl --fail --silent --show-error --header "$auth" --dump-header "$headers" \
    "$notes?per_page=100&page=$page" |
    jq -r --arg m "$marker" '[.[] | select(.body | contains($m)) | .id][0] // empty')
  id=$found
  page=$(tr -d '\r' <"$headers" | awk -F': ' 'tolower($1) == "x-next-page" {print $2}')
  rm -f "$headers"
done

payload=$(jq -Rs '{body: .}' <"$body")
if [[ -n $id ]]; then
  method=PUT url="$notes/$id"
else
  method=POST url=$notes
fi
curl --fail --silent --show-error --request "$method" --header "$auth" \
  --header 'Content-Type: application/json' --data-binary "$payload" "$url" | jq -r '"note \(.id)"'
