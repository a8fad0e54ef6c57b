#!/usr/bin/env bash
# Regenerate the two locks from pyproject.toml: every package, transitive ones included,
# pinned with == and its sha256 hashes, so `pip install --require-hashes -r FILE` refuses
# anything unpinned, unhashed or altered.
#
#   requirements.lock      the app's `dependencies` only: what a production server installs
#                          (docs/DEPLOY.md)
#   requirements-dev.lock  the same plus the `dev` extra (tests, lint, benchmarks, lock and
#                          audit tools): what `make install` puts in the developer's and CI's venv
#
# The dev lock is made first; the runtime lock is then resolved with it as a constraint, so
# every package in both has the same version in both. The pins already in the files are kept
# where pyproject still allows them (pip-compile prefers them); only new or changed requirements
# are resolved again. `scripts/lock.sh --upgrade` (or `--upgrade-package NAME`) moves pins on
# purpose.
#
# pip-compile runs from a venv of its own (.venv-lock, pip-tools at a known version), so the
# locks can be made before the app's venv exists and never depend on what is installed there.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
TOOLS=.venv-lock
PIP_TOOLS_VERSION=7.6.2

if ! [ -x "$TOOLS/bin/pip-compile" ] || ! "$TOOLS/bin/pip-compile" --version | grep -q "$PIP_TOOLS_VERSION"; then
  "$PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet "pip-tools==$PIP_TOOLS_VERSION"
fi

# --allow-unsafe pins pip and setuptools too where something depends on them (pip-tools and
# pip-audit do): with --require-hashes every package of the install must be in the file.
compile() {
  local output=$1
  shift
  CUSTOM_COMPILE_COMMAND="make lock" "$TOOLS/bin/pip-compile" \
    --quiet \
    --generate-hashes \
    --allow-unsafe \
    --strip-extras \
    --no-emit-index-url \
    --no-emit-find-links \
    --output-file "$output" \
    "$@" \
    pyproject.toml
  # No line may escape the hashes (an editable or a URL requirement would).
  if grep -Eq '^(-e|--editable|git\+|https?://)' "$output"; then
    echo "$output holds an unhashed requirement" >&2
    exit 1
  fi
  echo "$output: $(grep -Ec '^[A-Za-z0-9]' "$output") packages pinned with hashes"
}

compile requirements-dev.lock --extra dev "$@"
compile requirements.lock --constraint requirements-dev.lock "$@"
