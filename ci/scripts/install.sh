#!/usr/bin/env bash
# Installs slogate into a virtualenv of its own and prints the directory that holds the binary (for
# the PATH). Used by the GitHub Action and the GitLab template; works the same on a laptop.
#
#   ci/scripts/install.sh DIR PACKAGE
#
# PACKAGE is anything pip installs: `slogate==0.1.0` (a release's wheel), a wheel file, or a
# directory with slogate's source (built with cargo through maturin). A DIR that is already a
# virtualenv (a restored cache) is reused; pip then finds the package installed and downloads nothing.
# Needs python3 with the venv module.
set -euo pipefail

if (($# != 2)) || [[ $1 == -* ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
dir=$1 package=$2

[[ -x $dir/bin/python ]] || python3 -m venv "$dir" >&2
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$package" >&2
# A wheel of another platform or a broken build fails here, not in the first benchmark.
"$dir/bin/slogate" --version >&2
echo "$dir/bin"
