"""`manage.py backup` and `restore`: a world with files, backed up and restored into a new
PostgreSQL database and an empty media folder, found again record for record, byte for byte."""

import filecmp
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from bangkit import backup
from proposals.models import Attachment
from tests import factories
from tests.ops.conftest import s3_endpoint, s3_env  # noqa: F401 (the fixture)

ROOT = Path(__file__).resolve().parents[2]

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the dump and restore tools of PostgreSQL"
)


def files_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def manage(*args, database: str, media: Path, **extra_env) -> subprocess.CompletedProcess:
    """A manage.py command in its own process, on another database and media folder (or the
    S3 bucket `extra_env` names), as an operator runs it on the server restored to."""
    params = connection.settings_dict
    url = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    environment = dict(os.environ)
    environment.update(
        DATABASE_URL=f"{url}/{database}",
        MEDIA_ROOT=str(media),
        DJANGO_SETTINGS_MODULE="bangkit.test_settings",
        PGPASSWORD=str(params.get("PASSWORD") or ""),
        **extra_env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def other_database(transactional_db):
    """An empty PostgreSQL database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fingerprints_of(database: str) -> dict:
    params = connection.settings_dict
    plain = psycopg2.connect(
        dbname=database,
        user=params["USER"],
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        password=params.get("PASSWORD") or None,
    )
    try:
        with plain.cursor() as cursor:
            return backup.table_fingerprints(cursor, "postgresql")
    finally:
        plain.close()


@needs_postgresql
def test_a_backup_of_a_world_with_files_restores_every_record_and_every_byte(
    other_database, tmp_path
):
    # A proposal walked to work in progress: documents, photos, the SK's PDF, an order, a
    # BAST; and a file no record names, which a backup of the storage keeps too.
    proposal = factories.ProposalFactory(state="in_progress")
    default_storage.save("lain/catatan operator.txt", ContentFile(b"tanpa baris"))
    media = Path(settings.MEDIA_ROOT)
    assert Attachment.objects.filter(proposal=proposal).count() >= 4
    assert len(files_under(media)) >= 6

    out = io.StringIO()
    call_command("backup", str(tmp_path / "cadangan"), stdout=out)
    assert "Cadangan selesai" in out.getvalue()
    folder = tmp_path / "cadangan"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {m["name"] for m in manifest["media"]} == files_under(media)
    assert manifest["database"]["migrations"]["proposals"]
    assert manifest["version"] == "0.1.0"
    # The operator's own check, without the app.
    sums = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=folder, check=False)
    assert sums.returncode == 0

    restored_media = tmp_path / "media-baru"
    done = manage("restore", str(folder), database=other_database, media=restored_media)
    assert done.returncode == 0, done.stderr
    assert "semua checksum cocok" in done.stdout

    # Every table: the same rows (count and content checksum), here and there.
    with connection.cursor() as cursor:
        here = backup.table_fingerprints(cursor, "postgresql")
    there = fingerprints_of(other_database)
    assert there == here
    assert here["proposals_proposal"]["rows"] == 1
    assert here["proposals_attachment"]["rows"] >= 4
    # Every file, byte for byte.
    assert files_under(restored_media) == files_under(media)
    for name in files_under(media):
        assert filecmp.cmp(media / name, restored_media / name, shallow=False), name
    # The restored database is complete: nothing left for migrate to do.
    check = manage("migrate", "--check", database=other_database, media=restored_media)
    assert check.returncode == 0, check.stdout + check.stderr

    # A second restore onto it is refused and changes nothing; --force overwrites it.
    again = manage("restore", str(folder), database=other_database, media=restored_media)
    assert again.returncode != 0
    assert "Tujuan tidak kosong" in again.stderr
    assert "--force" in again.stderr
    forced = manage(
        "restore", str(folder), "--force", database=other_database, media=restored_media
    )
    assert forced.returncode == 0, forced.stderr
    assert fingerprints_of(other_database) == here


def bucket_contents(s3, bucket: str) -> dict[str, bytes]:
    """{key: bytes} of every object in the bucket."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found


@needs_postgresql
def test_media_on_s3_is_backed_up_and_restored_byte_for_byte_into_an_empty_bucket(
    other_database,
    tmp_path,
    settings,
    s3_endpoint,  # noqa: F811 (the imported fixture)
):
    """The default storage on S3 (django-storages against moto's S3 server, as in
    production against MinIO or AWS): the backup reads every object through the storage API,
    the restore, in its own process, writes them into another, empty bucket."""
    endpoint, bucket, s3 = s3_endpoint
    source = s3_env(endpoint, bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "addressing_style": "path",
                "file_overwrite": False,
            },
        },
    }
    proposal = factories.ProposalFactory(state="in_progress")
    default_storage.save("lain/catatan operator.txt", ContentFile(b"tanpa baris"))
    assert type(default_storage._wrapped).__name__ == "S3Storage"
    original = bucket_contents(s3, bucket)
    assert len(original) >= 6
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.*")), "media went to disk, not S3"
    named = set(Attachment.objects.filter(proposal=proposal).values_list("file", flat=True))
    assert named and named <= set(original)

    folder = tmp_path / "cadangan"
    call_command("backup", str(folder), stdout=io.StringIO())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["storage"] == "S3Storage"
    assert {m["name"] for m in manifest["media"]} == set(original)

    s3.create_bucket(Bucket="bangkit-media-restored")
    target = {**source, "AWS_STORAGE_BUCKET_NAME": "bangkit-media-restored"}
    done = manage(
        "restore", str(folder), database=other_database, media=tmp_path / "unused", **target
    )
    assert done.returncode == 0, done.stderr
    assert "semua checksum cocok" in done.stdout
    # Every object, byte for byte, under the same key; nothing went to a local folder.
    assert bucket_contents(s3, "bangkit-media-restored") == original
    assert not (tmp_path / "unused").exists()
    with connection.cursor() as cursor:
        here = backup.table_fingerprints(cursor, "postgresql")
    assert fingerprints_of(other_database) == here

    # The restored bucket is not empty any more: a second restore is refused.
    again = manage(
        "restore", str(folder), database=other_database, media=tmp_path / "unused", **target
    )
    assert again.returncode != 0 and "Tujuan tidak kosong" in again.stderr


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_damaged_or_unfinished_backup_is_refused_before_anything_changes(tmp_path):
    default_storage.save("dokumen/surat.pdf", ContentFile(factories.pdf_bytes()))
    folder = tmp_path / "cadangan"
    call_command("backup", str(folder), stdout=io.StringIO())

    # A bit changed in a file of the backup: named, nothing restored.
    stored = folder / "media" / "dokumen" / "surat.pdf"
    stored.write_bytes(stored.read_bytes()[:-1] + b"X")
    with pytest.raises(CommandError, match="media/dokumen/surat.pdf: checksum"):
        call_command("restore", str(folder), stdout=io.StringIO())
    # A missing file too.
    stored.unlink()
    with pytest.raises(CommandError, match="media/dokumen/surat.pdf: berkas tidak ada"):
        call_command("restore", str(folder), stdout=io.StringIO())
    # A backup that stopped before its manifest.
    (folder / "manifest.json").unlink()
    with pytest.raises(CommandError, match="bukan cadangan yang selesai"):
        call_command("restore", str(folder), stdout=io.StringIO())
    # And a backup never goes into a folder that holds something.
    with pytest.raises(CommandError, match="tidak kosong"):
        call_command("backup", str(folder), stdout=io.StringIO())
    assert default_storage.exists("dokumen/surat.pdf")


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    folder = tmp_path / "cadangan"
    call_command("backup", str(folder), stdout=io.StringIO())
    with pytest.raises(CommandError, match="basis data berisi .* tabel"):
        call_command("restore", str(folder), stdout=io.StringIO())


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_backup_from_newer_code_is_refused(tmp_path):
    folder = tmp_path / "cadangan"
    call_command("backup", str(folder), stdout=io.StringIO())
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["database"]["migrations"]["proposals"].append("9999_from_the_future")
    path.write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="proposals.9999_from_the_future"):
        call_command("restore", str(folder), stdout=io.StringIO())


def test_a_client_older_than_the_server_is_refused_with_the_package_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(backup.BackupError, match="postgresql-client-99"):
        backup.pg_tool("pg_dump", 99)


def test_sqlite_is_copied_whole_and_fingerprinted_alike(tmp_path):
    import sqlite3

    source = tmp_path / "asal.sqlite3"
    plain = sqlite3.connect(source)
    plain.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB, amount INT)")
    plain.executemany(
        "INSERT INTO t (name, data, amount) VALUES (?, ?, ?)",
        [("Kelurahan Sijenjang", b"\x00\xff", 26_432_521_000), (None, None, None), ("é", b"", 0)],
    )
    plain.commit()
    plain.close()
    target = tmp_path / "tujuan.sqlite3"
    backup.sqlite_copy(source, target)

    def fingerprints(path):
        db = sqlite3.connect(path)
        try:
            return backup.table_fingerprints(db.cursor(), "sqlite")
        finally:
            db.close()

    assert fingerprints(target) == fingerprints(source)
    assert fingerprints(target)["t"]["rows"] == 3
    # A changed row changes the checksum.
    db = sqlite3.connect(target)
    db.execute("UPDATE t SET amount = 1 WHERE amount = 0")
    db.commit()
    db.close()
    assert fingerprints(target)["t"]["checksum"] != fingerprints(source)["t"]["checksum"]


def test_stored_names_that_could_leave_the_backup_are_refused():
    for name in ("../etc/passwd", "/abs", "a//b", "a/./b", ""):
        with pytest.raises(backup.BackupError):
            backup._safe_name(name)
    assert backup._safe_name("proposals/2026/surat.pdf") == "proposals/2026/surat.pdf"


def test_a_sqlite_database_and_its_media_restore_through_the_commands(tmp_path):
    """The demo's SQLite, through both commands in their own processes. The table declares
    the types Django's SQLite connection converts (bool, datetime), which must not change the
    checksum between backup and restore."""
    import sqlite3

    source = tmp_path / "asal.sqlite3"
    plain = sqlite3.connect(source)
    plain.execute("CREATE TABLE t (id integer PRIMARY KEY, ok bool, at datetime, note text)")
    plain.executemany(
        "INSERT INTO t (ok, at, note) VALUES (?, ?, ?)",
        [(1, "2026-12-02 02:00:00.123456", "Gang Kenanga"), (0, None, None)],
    )
    plain.commit()
    plain.close()
    media = tmp_path / "media"
    (media / "dokumen").mkdir(parents=True)
    (media / "dokumen" / "surat.pdf").write_bytes(factories.pdf_bytes())

    def run(*args, database: Path, media: Path):
        environment = dict(os.environ, DATABASE_URL=f"sqlite:///{database}", MEDIA_ROOT=str(media))
        environment["DJANGO_SETTINGS_MODULE"] = "bangkit.test_settings"
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    folder = tmp_path / "cadangan"
    made = run("backup", str(folder), database=source, media=media)
    assert made.returncode == 0, made.stderr
    target, restored_media = tmp_path / "tujuan.sqlite3", tmp_path / "media-baru"
    done = run("restore", str(folder), database=target, media=restored_media)
    assert done.returncode == 0, done.stderr

    def rows(path):
        db = sqlite3.connect(path)
        try:
            return db.execute("SELECT * FROM t ORDER BY id").fetchall()
        finally:
            db.close()

    assert rows(target) == rows(source)
    assert (restored_media / "dokumen" / "surat.pdf").read_bytes() == (
        media / "dokumen" / "surat.pdf"
    ).read_bytes()
