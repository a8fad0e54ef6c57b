#!/bin/sh
# Keep the 14 newest backups plus the first backup of each of the last 12 months; delete
# unfinished ones (no manifest.json) older than a day. Run after each backup
# (bangkit-backup.service's ExecStartPost; docs/BACKUP.md, "Rotation").
set -eu
cd "${1:-/var/backups/bangkit}"
# Folders are named by time (2026-12-02T0200), so name order is age order.
find . -maxdepth 1 -mindepth 1 -type d -mtime +1 ! -exec test -e '{}/manifest.json' ';' -exec rm -rf '{}' +
monthly=$(ls -d */ 2>/dev/null | sed 's#/##' | awk '{m=substr($0,1,7); if (!(m in seen)) {seen[m]=1; print}}' | tail -n 12)
ls -d */ 2>/dev/null | sed 's#/##' | head -n -14 | while read -r folder; do
  echo "$monthly" | grep -qx "$folder" || rm -rf "$folder"
done
