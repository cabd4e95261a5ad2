#!/usr/bin/env bash
# Posts the slogate report on a GitHub pull request, or updates the comment it posted before (the one
# carrying <!-- slogate:report --> written by AUTHOR), so a pull request has one report comment.
#
#   ci/scripts/post-comment.sh --repo OWNER/REPO --pr NUMBER --body FILE [--author LOGIN] [--dry-run]
#
# Needs the `gh` CLI with GH_TOKEN (pull-requests: write). AUTHOR defaults to github-actions[bot]:
# only its own comment is updated, never one a contributor wrote with the marker in it.
# --dry-run prints what would be done and calls nothing.
set -euo pipefail

marker='<!-- slogate:report -->'
max_chars=65536
repo='' pr='' body='' author='github-actions[bot]' dry_run=0

while (($#)); do
  case $1 in
    --repo) repo=${2:?}; shift 2 ;;
    --pr) pr=${2:?}; shift 2 ;;
    --body) body=${2:?}; shift 2 ;;
    --author) author=${2:?}; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "post-comment.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ $repo =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || { echo "post-comment.sh: --repo OWNER/REPO is required" >&2; exit 2; }
[[ $pr =~ ^[0-9]+$ ]] || { echo "post-comment.sh: --pr must be a pull-request number" >&2; exit 2; }
[[ -f $body ]] || { echo "post-comment.sh: --body FILE is required" >&2; exit 2; }
grep -qF "$marker" "$body" || { echo "post-comment.sh: $body lacks the $marker marker" >&2; exit 2; }
chars=$(wc -m <"$body")
((chars <= max_chars)) || { echo "post-comment.sh: $body has $chars characters, over GitHub's $max_chars" >&2; exit 2; }

list="repos/$repo/issues/$pr/comments"
if ((dry_run)); then
  echo "would look up: gh api --paginate $list (a comment by $author containing $marker)"
  echo "would then: PATCH repos/$repo/issues/comments/<id> when found, else POST $list"
  echo "body: $body ($chars characters)"
  exit 0
fi

id=$(gh api --paginate "$list" \
  --jq ".[] | select(.user.login == \"$author\" and (.body | contains(\"$marker\"))) | .id" | head -n 1)
if [[ -n $id ]]; then
  gh api --method PATCH "repos/$repo/issues/comments/$id" -F "body=@$body" --jq .html_url
else
  gh api --method POST "$list" -F "body=@$body" --jq .html_url
fi
