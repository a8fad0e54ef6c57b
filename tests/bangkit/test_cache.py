"""The shared cache: the database by default, made by `migrate`, with a counter that holds."""

import datetime
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from bangkit.cache import CACHE_TABLE, DatabaseCache

BASE_DIR = Path(django_settings.BASE_DIR)


def fresh_client() -> DatabaseCache:
    """A new client of the default cache, as another worker process would hold."""
    client = caches.create_connection("default")
    assert isinstance(client, DatabaseCache)
    return client


def stored_expiry(client, key) -> datetime.datetime:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT expires FROM {CACHE_TABLE} WHERE cache_key = %s",
            [client.make_and_validate_key(key)],
        )
        (expires,) = cursor.fetchone()
    if isinstance(expires, str):  # SQLite hands back text
        expires = datetime.datetime.fromisoformat(expires)
    if timezone.is_naive(expires):
        expires = timezone.make_aware(expires, datetime.UTC)
    return expires


def test_the_default_cache_is_the_database_table_of_the_migration():
    cache = django_settings.CACHES["default"]

    assert cache["BACKEND"] == "bangkit.cache.DatabaseCache"
    assert cache["LOCATION"] == CACHE_TABLE


def test_two_clients_see_one_count(db):
    first, second = fresh_client(), fresh_client()
    assert first is not second

    first.add("count", 1, timeout=600)
    assert second.incr("count") == 2
    assert first.incr("count", 3) == 5
    assert second.get("count") == 5


def test_incr_keeps_the_expiry_of_the_window(db):
    # Django's own database incr() rewrites the entry with the default timeout (300 s):
    # a ten-minute window would forget its count halfway.
    client = fresh_client()
    client.add("window", 1, timeout=600)
    before = stored_expiry(client, "window")

    client.incr("window")

    assert stored_expiry(client, "window") == before
    assert before - timezone.now() > datetime.timedelta(seconds=590)


def test_incr_of_a_missing_or_expired_key_raises_value_error(db):
    client = fresh_client()
    with pytest.raises(ValueError):
        client.incr("missing")

    client.set("stale", 1, timeout=-1)
    with pytest.raises(ValueError):
        client.incr("stale")
    # add() then starts the count again, as the rate limiter does.
    assert client.add("stale", 1, timeout=600)
    assert client.incr("stale") == 2


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks (SELECT FOR UPDATE)"
)
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_increments_are_all_counted():
    key = "concurrent-count"
    workers = 8
    fresh_client().add(key, 0, timeout=600)
    barrier = threading.Barrier(workers)
    errors = []

    def hit():
        try:
            client = fresh_client()
            barrier.wait(timeout=30)
            for _ in range(5):
                client.incr(key)
        except Exception as error:  # collected for the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=hit) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    try:
        assert not errors
        assert fresh_client().get(key) == workers * 5
    finally:
        fresh_client().delete(key)


def test_migrate_alone_makes_the_cache_table(tmp_path):
    """A new installation needs no `createcachetable`: the migration makes the table."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DEBUG": "True",
        "DJANGO_SETTINGS_MODULE": "bangkit.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    script = (
        "import django; django.setup(); "
        "from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); "
        "from django.core.cache import cache; "
        "cache.add('hits', 1, 600); "
        "print(cache.incr('hits'))"
    )

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "2"
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert CACHE_TABLE in tables
