"""Production settings pass `check --deploy`; without a SECRET_KEY they refuse to start;
the demo seed refuses production and builds the demo city idempotently."""

import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from bangkit.models import RT, FiscalYear, Kecamatan, Kelurahan, Role, User
from demo.management.commands import seed_demo

BASE_DIR = Path(django_settings.BASE_DIR)


def production_env(tmp_path, **overrides) -> dict:
    """A clean environment as a server has it: nothing inherited from the test process
    (BANGKIT_TESTING, DJANGO_SETTINGS_MODULE=bangkit.test_settings, a developer's DEBUG)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "example.org",
        "DJANGO_SETTINGS_MODULE": "bangkit.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run(args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_are_hardened(tmp_path):
    script = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.ALLOWED_HOSTS, "
        "s.STORAGES['staticfiles']['BACKEND'].startswith('whitenoise'), "
        # "No issues" must not come from silenced checks.
        "len(s.SILENCED_SYSTEM_CHECKS))"
    )

    result = run(["-c", script], production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "True",
        "['example.org']",
        "True",
        "0",
    ]


def test_settings_refuse_to_start_without_secret_key(tmp_path):
    env = production_env(tmp_path, SECRET_KEY=None)

    result = run(["-c", "from django.conf import settings; settings.DEBUG"], env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr.strip().splitlines()[-1]


def test_debug_true_runs_without_secret_key(tmp_path):
    env = production_env(tmp_path, SECRET_KEY=None, DEBUG="True", ALLOWED_HOSTS=None)
    script = "from django.conf import settings as s; print(s.DEBUG, s.ALLOWED_HOSTS)"

    result = run(["-c", script], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True ['127.0.0.1', 'localhost']"


def test_the_cache_is_the_shared_database_unless_cache_url_names_another(tmp_path):
    script = (
        "from django.conf import settings as s; c = s.CACHES['default']; "
        "print(c['BACKEND'], c.get('LOCATION'))"
    )

    default = run(["-c", script], production_env(tmp_path))
    redis = run(["-c", script], production_env(tmp_path, CACHE_URL="redis://127.0.0.1:6379/1"))

    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == ["bangkit.cache.DatabaseCache", "bangkit_cache"]
    assert redis.returncode == 0, redis.stderr
    backend, location = redis.stdout.split()
    assert "redis" in backend.lower()
    assert location == "redis://127.0.0.1:6379/1"


def test_database_connections_persist_with_health_checks_by_default(tmp_path):
    """A new connection per request halved the public pages' throughput (issue 12)."""
    script = (
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    pg = "postgres://postgres@127.0.0.1:5432/bangkit"
    default = run(["-c", script], production_env(tmp_path, DATABASE_URL=pg))
    off = run(["-c", script], production_env(tmp_path, DATABASE_URL=pg, CONN_MAX_AGE="0"))

    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == ["60", "True"]
    assert off.stdout.split() == ["0", "True"]


@pytest.fixture
def core_seed_only(monkeypatch):
    """Run only the core seed: the apps' own seeders are other tests' business."""
    monkeypatch.setattr(seed_demo, "SEEDERS", [])


def test_seed_demo_refuses_when_debug_is_false(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG=False"):
        call_command("seed_demo", stdout=io.StringIO())

    assert not User.objects.exists()
    assert not RT.objects.exists()


def test_seed_demo_refuses_when_debug_is_false_even_with_force(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force tidak mengubah ini"):
        call_command("seed_demo", "--force", stdout=io.StringIO())

    assert not User.objects.exists()
    assert not RT.objects.exists()


COUNT_USERS = "from bangkit.models import User; print(User.objects.count())"


def test_seed_demo_with_force_on_a_production_server_exits_non_zero(tmp_path):
    env = production_env(tmp_path)
    assert run(["manage.py", "migrate", "--noinput", "-v0"], env).returncode == 0

    result = run(["manage.py", "seed_demo", "--force"], env)

    assert result.returncode != 0
    assert "seed_demo ditolak: DEBUG=False" in result.stderr
    assert "--force tidak mengubah ini" in result.stderr
    users = run(
        ["manage.py", "shell", "--no-imports", "-c", COUNT_USERS],
        env,
    )
    assert users.stdout.strip() == "0", users.stderr


def test_seed_demo_builds_the_demo_city_and_is_idempotent(db, settings, core_seed_only):
    settings.DEBUG = True

    first = io.StringIO()
    call_command("seed_demo", stdout=first)

    assert Kecamatan.objects.count() == 11
    assert Kelurahan.objects.count() == 68
    rts_per_kelurahan = Kelurahan.objects.annotate(n=Count("rts")).values_list("n", flat=True)
    assert all(15 <= n <= 40 for n in rts_per_kelurahan)

    lurah = User.objects.get(username="lurah.simpang-iv-sipin")
    assert (lurah.role, lurah.kelurahan.name) == (Role.KELURAHAN, "Simpang IV Sipin")
    head = User.objects.get(username="rt.simpang-iv-sipin.01")
    assert (head.role, head.rt.number, head.rt.kelurahan) == (Role.RT, 1, lurah.kelurahan)
    camat = User.objects.get(username="camat.telanaipura")
    assert (camat.role, camat.kecamatan.name) == (Role.KECAMATAN, "Telanaipura")
    assert User.objects.get(username="camat.jambi-selatan").kecamatan.name == "Jambi Selatan"
    assert User.objects.get(username="lurah.thehok").kelurahan.name == "Thehok"
    bappeda = User.objects.get(username="bappeda")
    inspektorat = User.objects.get(username="inspektorat")
    assert bappeda.role == Role.BAPPEDA and bappeda.is_staff
    assert inspektorat.role == Role.INSPEKTORAT and inspektorat.is_read_only
    assert User.objects.get(username="admin").is_superuser
    assert bappeda.check_password(settings.DEMO_PASSWORD)
    # One account per area: every kecamatan, kelurahan and RT.
    assert User.objects.filter(role=Role.KECAMATAN).count() == 11
    assert User.objects.filter(role=Role.KELURAHAN).count() == 68
    assert User.objects.filter(role=Role.RT).count() == RT.objects.count()
    fy = FiscalYear.objects.get()
    assert fy.ceiling_for(120) == 100_000_000
    assert fy.ceiling_for(45) == 50_000_000

    counts = (RT.objects.count(), User.objects.count(), FiscalYear.objects.count())
    second = io.StringIO()
    call_command("seed_demo", stdout=second)

    assert (RT.objects.count(), User.objects.count(), FiscalYear.objects.count()) == counts
    assert "0 RT baru, 0 akun baru" in second.getvalue()
    assert f"{counts[0]} RT baru" in first.getvalue()


def test_static_files_are_hashed_compressed_and_cached_for_ever_in_production(tmp_path):
    """Under DEBUG=False whitenoise serves the manifest's hashed names with far-future cache
    headers and a Brotli or gzip copy, so a repeat visit downloads no script or style again."""
    env = production_env(tmp_path, STATIC_ROOT=str(tmp_path / "static"))
    collected = run(["manage.py", "collectstatic", "--noinput", "-v", "0"], env)
    assert collected.returncode == 0, collected.stderr
    script = (
        "import django; django.setup(); "
        "from django.templatetags.static import static; from django.test import Client; "
        "c = Client(); url = static('css/app.css'); "
        "r = c.get(url, HTTP_HOST='example.org', secure=True, HTTP_ACCEPT_ENCODING='br, gzip'); "
        "g = c.get(url, HTTP_HOST='example.org', secure=True, HTTP_ACCEPT_ENCODING='gzip'); "
        "print(url); print(r.status_code, r.get('Content-Encoding'), r['Cache-Control']); "
        "print(g.status_code, g.get('Content-Encoding'))"
    )

    result = run(["-c", script], env)

    assert result.returncode == 0, result.stderr
    url, brotli, gzip = result.stdout.strip().splitlines()
    assert (
        url.startswith("/static/css/app.") and url.endswith(".css") and url != "/static/css/app.css"
    )
    status, encoding, cache = brotli.split(" ", 2)
    assert status == "200"
    assert "max-age=315360000" in cache and "immutable" in cache and "public" in cache
    assert encoding == "br"
    assert gzip.split() == ["200", "gzip"]
