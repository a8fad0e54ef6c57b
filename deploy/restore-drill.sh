#!/bin/sh
# The monthly restore test (docs/BACKUP.md, "Testing a restore") for a server set up by
# docs/DEPLOY.md: restores one backup into a scratch database and a scratch media folder, never
# the live database, bucket or cache, checks that the result is a working site, and cleans up.
#
#   deploy/restore-drill.sh /var/backups/bangkit/2026-12-02T0200 [ADDRESS]
#
# Run it as root on the app server (it creates the scratch database as postgres and runs the
# app as bangkit). It ends with "Uji pemulihan berhasil" and exit code 0, or stops at the
# first failure. ADDRESS (127.0.0.1:8099 by default) is where the restored copy answers for
# a moment.
set -eu
backup=$(cd "${1:?usage: restore-drill.sh BACKUP_DIR [ADDRESS]}" && pwd)
address=${2:-127.0.0.1:8099}
app=${BANGKIT_APP:-/srv/bangkit/app}
envfile=${BANGKIT_ENV:-/etc/bangkit/env}
scratch_db=${RESTORE_DB:-bangkit_restore_test}
media=$(mktemp -d /tmp/bangkit-restore-media-XXXXXX)
chown bangkit:bangkit "$media"
started=$(date +%s)

echo "1. checksums of the copy"
(cd "$backup" && sha256sum -c --quiet SHA256SUMS)

set -a
. "$envfile"
set +a
# The scratch targets: the same server and user, another database; a local media folder even
# when the live media are on S3 (an empty bucket name turns S3 off); the database cache.
live_url=$DATABASE_URL
DATABASE_URL="${DATABASE_URL%/*}/$scratch_db"
MEDIA_ROOT=$media
AWS_STORAGE_BUCKET_NAME=
CACHE_URL=
SECURE_SSL_REDIRECT=False
GUNICORN_BIND=$address
GUNICORN_WORKERS=1
export DATABASE_URL MEDIA_ROOT AWS_STORAGE_BUCKET_NAME CACHE_URL SECURE_SSL_REDIRECT \
  GUNICORN_BIND GUNICORN_WORKERS
unset PROMETHEUS_MULTIPROC_DIR

live_db=${live_url##*/}
if [ "$live_db" = "$scratch_db" ]; then
  echo "RESTORE_DB must not be the live database ($live_db)" >&2
  exit 2
fi
cd "$app"
as_app() { sudo -E -u bangkit "$@"; }
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  sudo -u postgres dropdb --if-exists "$scratch_db" 2>/dev/null || true
  rm -rf "$media"
}
trap cleanup EXIT INT TERM

echo "2. restore into the empty database $scratch_db and $media"
sudo -u postgres dropdb --if-exists "$scratch_db" 2>/dev/null
sudo -u postgres createdb -O "$(echo "$DATABASE_URL" | sed -E 's#^[a-z]+://([^:@/]+).*#\1#')" "$scratch_db"
as_app .venv/bin/python manage.py restore "$backup"
restored=$(date +%s)

echo "3. a working site: nothing to migrate, the pages answer"
as_app .venv/bin/python manage.py migrate --check
# sudo's own pid (not a subshell's): stopping it stops gunicorn too.
sudo -E -u bangkit .venv/bin/gunicorn -c gunicorn.conf.py bangkit.wsgi &
server=$!
ok=
for _ in $(seq 1 30); do
  if curl -fsS -H "Host: localhost" "http://$address/healthz" >/dev/null 2>&1; then ok=1; break; fi
  sleep 1
done
[ -n "$ok" ] || { echo "the restored copy did not answer /healthz" >&2; exit 1; }
curl -fsS -H "Host: localhost" "http://$address/healthz"
echo
curl -fsS -H "Host: localhost" -o /dev/null "http://$address/proyek/"

echo "Uji pemulihan berhasil: $(basename "$backup"), restore $((restored - started)) s."
