#!/usr/bin/env bash
# Count the repeated pairs (six or more alike lines) in app code alone (issue 9 item 6).
# App code = every file git tracks, except tests/, */migrations/, bench/, docs/, fixtures/
# and static/vendor/. The files are copied into a temporary folder so that `duplicates`
# sees nothing else; the last line printed is the number of D<n> rows.
# Usage: bench/duplicates_app.sh [--rows]   (--rows also prints every row)
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git ls-files -z \
  | grep -zvE '^(tests|bench|docs|fixtures|static/vendor)/|(^|/)migrations/' \
  | while IFS= read -r -d '' f; do
      [ -f "$f" ] || continue
      mkdir -p "$tmp/$(dirname "$f")"
      cp "$f" "$tmp/$f"
    done
out="$(duplicates --repo "$tmp" --most 200 --seconds 200 | sed "s|$tmp/||g")"
if [ "${1:-}" = "--rows" ]; then
  printf '%s\n' "$out"
else
  printf '%s\n' "$out" | grep -vE '^D[0-9]+ ' || true
fi
printf 'app pairs: %s\n' "$(printf '%s\n' "$out" | grep -cE '^D[0-9]+ ' || true)"
