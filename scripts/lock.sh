#!/usr/bin/env bash
# Regenerate requirements.lock from pyproject.toml: every package, transitive ones included,
# pinned with == and its sha256 hashes, so `pip install --require-hashes -r requirements.lock`
# (the Makefile's install) refuses anything unpinned, unhashed or altered.
#
# The pins already in requirements.lock are kept where pyproject still allows them (pip-compile
# prefers them); only new or changed requirements are resolved again. `scripts/lock.sh
# --upgrade` (or `--upgrade-package NAME`) moves pins on purpose.
#
# pip-compile runs from a venv of its own (.venv-lock, pip-tools at a known version), so the
# lock can be made before the app's venv exists and never depends on what is installed there.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
TOOLS=.venv-lock
PIP_TOOLS_VERSION=7.6.2

if ! [ -x "$TOOLS/bin/pip-compile" ] || ! "$TOOLS/bin/pip-compile" --version | grep -q "$PIP_TOOLS_VERSION"; then
  "$PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet "pip-tools==$PIP_TOOLS_VERSION"
fi

# --allow-unsafe pins pip and setuptools too (pip-tools and pip-audit depend on them): with
# --require-hashes every package of the install must be in the file.
CUSTOM_COMPILE_COMMAND="make lock" "$TOOLS/bin/pip-compile" \
  --quiet \
  --generate-hashes \
  --allow-unsafe \
  --strip-extras \
  --extra dev \
  --no-emit-index-url \
  --no-emit-find-links \
  --output-file requirements.lock \
  "$@" \
  pyproject.toml

# No line may escape the hashes (an editable or a URL requirement would).
if grep -Eq '^(-e|--editable|git\+|https?://)' requirements.lock; then
  echo "requirements.lock holds an unhashed requirement" >&2
  exit 1
fi
echo "requirements.lock: $(grep -Ec '^[A-Za-z0-9]' requirements.lock) packages pinned with hashes"
