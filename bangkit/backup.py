"""Backups that restore: one consistent database dump plus every media file, with a manifest.

A backup is a folder:

- `database.dump` (PostgreSQL: `pg_dump --format=custom` of one snapshot) or
  `database.sqlite3` (SQLite: the sqlite3 online-backup API);
- `media/…`: every file of the default storage (local disk or S3, read through Django's storage
  API, so both work alike);
- `manifest.json`: sha256 and size of every file, the row count and a content checksum of every
  table (taken in the dump's own snapshot), the migrations applied, the app's version and the
  time; written last, so a folder without it is an unfinished backup;
- `SHA256SUMS`: the same checksums for `sha256sum -c`, without the app.

`restore` goes into an empty database and an empty storage only (unless forced), checks every
checksum before it touches anything, and checks the files and tables again afterwards.
"""

import hashlib
import json
import os
import posixpath
import re
import shutil
import sqlite3
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
MEDIA = "media"
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message is Indonesian and says what to do."""


@dataclass
class Summary:
    """What a backup or restore did, for the command to print."""

    directory: Path
    tables: int
    rows: int
    files: int
    bytes: int


# --- checksums -------------------------------------------------------------------------------


def sha256_of(stream) -> tuple[str, int]:
    """sha256 and size of a binary stream, read in chunks (media can be large)."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _file_sha256(path: Path) -> tuple[str, int]:
    with open(path, "rb") as stream:
        return sha256_of(stream)


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# A row's checksum is the first 60 bits of the md5 of its text; a table's is their sum with the
# row count: independent of row order, in constant memory, the same on both sides of a restore.
_PG_TABLE_SUM = (
    "SELECT count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint), 0)"
    " FROM {table} t"
)


def table_fingerprints(cursor, vendor: str) -> dict[str, dict]:
    """{table: {"rows": n, "checksum": "…"}} of every table the cursor's database holds.

    Takes a DB-API cursor (Django's or a plain psycopg2/sqlite3 one), so a test can read a
    database that Django has no alias for."""
    if vendor == "postgresql":
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
    found = {}
    for table in tables:
        if vendor == "postgresql":
            cursor.execute(_PG_TABLE_SUM.format(table=quote(table)))
            rows, total = cursor.fetchone()
        else:
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (a name we listed)
            rows, total = 0, 0
            for row in cursor.fetchall():
                rows += 1
                total += int(hashlib.md5(repr(tuple(row)).encode()).hexdigest()[:15], 16)
        found[table] = {"rows": int(rows), "checksum": str(total)}
    return found


# --- the pieces of a manifest ----------------------------------------------------------------


def app_version() -> str:
    try:
        project = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text("utf-8"))
        return project["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def applied_migrations(using: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def known_migrations() -> set[tuple[str, str]]:
    """The migrations this code has on disk."""
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def walk(storage, path: str = ""):
    """Every file name under `path` in `storage`, depth first, sorted."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(path, name) if path else name
    for directory in sorted(directories):
        yield from walk(storage, posixpath.join(path, directory) if path else directory)


def _safe_name(name: str) -> str:
    """A stored name as a relative path that cannot leave the backup's media folder."""
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise BackupError(f"Nama berkas media tidak aman untuk dicadangkan: {name!r}.")
    return name


# --- PostgreSQL tools ------------------------------------------------------------------------


def _server_major(connection) -> int:
    return connection.pg_version // 10000


def pg_tool(name: str, server_major: int) -> str:
    """The pg_dump/pg_restore for the server's major version: Debian keeps each installed
    client under /usr/lib/postgresql/NN/bin; PG_BINDIR overrides; else the one on PATH. An
    older client than the server is refused (pg_dump itself refuses a newer server)."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]) / name)
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin") / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if not candidate.is_file():
            continue
        output = subprocess.run(
            [str(candidate), "--version"], capture_output=True, text=True, check=False
        ).stdout
        match = re.search(r"(\d+)(?:\.\d+)?", output)
        if match and int(match.group(1)) >= server_major:
            return str(candidate)
    raise BackupError(
        f"{name} untuk PostgreSQL {server_major} tidak ditemukan (atau versinya lebih lama dari "
        f"server). Pasang paket postgresql-client-{server_major}, atau set PG_BINDIR ke folder "
        f"{name} yang sesuai."
    )


def _pg_environment(connection) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for the client tools, from Django's settings."""
    params = connection.settings_dict
    args = []
    if params.get("HOST"):
        args += ["--host", str(params["HOST"])]
    if params.get("PORT"):
        args += ["--port", str(params["PORT"])]
    if params.get("USER"):
        args += ["--username", str(params["USER"])]
    environment = dict(os.environ)
    if params.get("PASSWORD"):
        environment["PGPASSWORD"] = str(params["PASSWORD"])
    sslmode = (params.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        environment["PGSSLMODE"] = str(sslmode)
    return args, environment


def _run(command: list[str], environment: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{what} gagal (kode {done.returncode}): {done.stderr.strip()[-2000:]}")


# --- backup ----------------------------------------------------------------------------------


def sqlite_copy(source_path, target_path) -> None:
    """Copy one SQLite database file into another with the online-backup API: a consistent
    copy even while the site writes (a plain file copy can catch half a transaction)."""
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _dump_database(using: str, target: Path) -> dict[str, dict]:
    """Write the dump to `target`; return the table fingerprints of the same snapshot."""
    connection = connections[using]
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        tool = pg_tool("pg_dump", _server_major(connection))
        args, environment = _pg_environment(connection)
        # One snapshot for the dump and the fingerprints: the manifest describes exactly the
        # rows the dump holds, however busy the site is meanwhile.
        with transaction.atomic(using=using), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            _run(
                [tool, *args, "--format=custom", f"--snapshot={snapshot}", "--no-password"]
                + ["--file", str(target), "--dbname", connection.settings_dict["NAME"]],
                environment,
                "pg_dump",
            )
            return table_fingerprints(cursor, "postgresql")
    if connection.vendor == "sqlite":
        sqlite_copy(connection.settings_dict["NAME"], target)
        copy = sqlite3.connect(target)
        try:
            return table_fingerprints(copy.cursor(), "sqlite")
        finally:
            copy.close()
    raise BackupError(f"Basis data {connection.vendor} belum didukung oleh backup.")


def create_backup(directory, *, using: str = DEFAULT_DB_ALIAS, storage=None) -> Summary:
    """Back the database and the media storage up into `directory` (new or empty)."""
    storage = storage or default_storage
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"Folder {directory} tidak kosong: pilih folder baru untuk cadangan.")
    directory.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    connection.ensure_connection()
    vendor = connection.vendor
    if vendor not in DUMP:
        raise BackupError(f"Basis data {vendor} belum didukung oleh backup.")
    started = timezone.now()

    dump = directory / DUMP[vendor]
    tables = _dump_database(using, dump)
    dump_sha, dump_size = _file_sha256(dump)

    media = []
    for name in walk(storage):
        target = directory / MEDIA / _safe_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        with storage.open(name, "rb") as source, open(target, "wb") as copy:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                copy.write(chunk)
        media.append({"name": name, "size": size, "sha256": digest.hexdigest()})

    manifest = {
        "format": FORMAT,
        "app": "bangkit-berdaya",
        "version": app_version(),
        "started_at": started.isoformat(),
        "finished_at": timezone.now().isoformat(),
        "database": {
            "vendor": vendor,
            "file": dump.name,
            "size": dump_size,
            "sha256": dump_sha,
            "tables": tables,
            "migrations": applied_migrations(using),
        },
        # The backend's class (FileSystemStorage, S3Storage), not the lazy default's wrapper.
        "storage": type(getattr(storage, "_wrapped", storage)).__name__,
        "media": media,
    }
    sums = [f"{dump_sha}  {dump.name}"] + [f"{m['sha256']}  {MEDIA}/{m['name']}" for m in media]
    (directory / SUMS).write_text("\n".join(sums) + "\n", encoding="utf-8")
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return Summary(
        directory=directory,
        tables=len(tables),
        rows=sum(t["rows"] for t in tables.values()),
        files=len(media),
        bytes=dump_size + sum(m["size"] for m in media),
    )


# --- restore ---------------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{path} tidak ada: folder ini bukan cadangan yang selesai (backup terhenti di "
            "tengah jalan?)."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} rusak: {exc}.") from exc
    if manifest.get("format") != FORMAT or manifest.get("app") != "bangkit-berdaya":
        raise BackupError(f"{path} bukan manifest cadangan Bangkit Berdaya format {FORMAT}.")
    return manifest


def verify_backup(directory: Path, manifest: dict) -> list[str]:
    """The problems of the backup's files against its manifest (empty when all match)."""
    problems = []
    database = manifest["database"]
    entries = [(database["file"], database)] + [
        (f"{MEDIA}/{_safe_name(m['name'])}", m) for m in manifest["media"]
    ]
    for relative, entry in entries:
        path = directory / relative
        if not path.is_file():
            problems.append(f"{relative}: berkas tidak ada")
            continue
        digest, size = _file_sha256(path)
        if (digest, size) != (entry["sha256"], entry["size"]):
            problems.append(f"{relative}: checksum atau ukuran tidak cocok")
    return problems


def database_tables(using: str) -> list[str]:
    connection = connections[using]
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _clear_database(using: str) -> None:
    """--force: drop every table (and what hangs on it) before the restore."""
    connection = connections[using]
    tables = database_tables(using)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {quote(table)} CASCADE")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {quote(table)}")


def _restore_database(using: str, dump: Path) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        tool = pg_tool("pg_restore", _server_major(connection))
        args, environment = _pg_environment(connection)
        connection.close()
        _run(
            [tool, *args, "--no-owner", "--no-privileges", "--single-transaction"]
            + ["--exit-on-error", "--no-password", "--dbname", connection.settings_dict["NAME"]]
            + [str(dump)],
            environment,
            "pg_restore",
        )
    else:
        connection.close()
        sqlite_copy(dump, connection.settings_dict["NAME"])
    connection.close()


def _restored_fingerprints(using: str) -> dict[str, dict]:
    """The tables as restored. SQLite is read through a plain sqlite3 connection, as at backup
    time: Django's own converts declared types (booleans, dates), which changes the checksum."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        plain = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            return table_fingerprints(plain.cursor(), "sqlite")
        finally:
            plain.close()
    with connection.cursor() as cursor:
        return table_fingerprints(cursor, connection.vendor)


def restore_backup(
    directory, *, using: str = DEFAULT_DB_ALIAS, storage=None, force: bool = False
) -> Summary:
    """Restore `directory` into the (empty) database `using` and the (empty) media storage."""
    storage = storage or default_storage
    directory = Path(directory)
    manifest = read_manifest(directory)
    database = manifest["database"]
    connection = connections[using]
    try:
        connection.ensure_connection()
    except Exception as exc:
        raise BackupError(
            f"Basis data tujuan tidak dapat dihubungi ({exc}). Buat dulu basis data kosong "
            "(createdb) dan periksa DATABASE_URL."
        ) from exc
    if connection.vendor != database["vendor"]:
        raise BackupError(
            f"Cadangan ini dari {database['vendor']}, basis data tujuan {connection.vendor}: "
            "pulihkan ke basis data jenis yang sama."
        )

    # Before anything is touched: every file matches, the code knows the migrations.
    problems = verify_backup(directory, manifest)
    if problems:
        raise BackupError(
            "Cadangan tidak utuh, tidak ada yang dipulihkan:\n- " + "\n- ".join(problems)
        )
    unknown = sorted(
        f"{app}.{name}"
        for app, names in database["migrations"].items()
        for name in names
        if (app, name) not in known_migrations()
    )
    if unknown and not force:
        raise BackupError(
            "Cadangan ini dibuat oleh versi aplikasi yang lebih baru (migrasi tidak dikenal: "
            f"{', '.join(unknown[:5])}). Pasang versi itu dulu, atau pakai --force."
        )
    tables = database_tables(using)
    present = list(walk(storage))
    if (tables or present) and not force:
        held = []
        if tables:
            held.append(f"basis data berisi {len(tables)} tabel")
        if present:
            held.append(f"penyimpanan media berisi {len(present)} berkas")
        raise BackupError(
            f"Tujuan tidak kosong ({'; '.join(held)}). Pulihkan ke basis data dan penyimpanan "
            "yang kosong, atau pakai --force untuk menimpanya."
        )

    if tables:
        _clear_database(using)
    _restore_database(using, directory / database["file"])

    wanted = {m["name"] for m in manifest["media"]}
    for entry in manifest["media"]:
        name = entry["name"]
        if storage.exists(name):
            storage.delete(name)
        with open(directory / MEDIA / name, "rb") as source:
            stored = storage.save(name, File(source, name=posixpath.basename(name)))
        if stored != name:
            raise BackupError(f"Berkas {name} tersimpan dengan nama lain ({stored}).")

    # After: every file and every table as the manifest says.
    problems = []
    for entry in manifest["media"]:
        with storage.open(entry["name"], "rb") as stream:
            if sha256_of(stream) != (entry["sha256"], entry["size"]):
                problems.append(f"{MEDIA}/{entry['name']}: isi berkas setelah pemulihan berbeda")
    restored = _restored_fingerprints(using)
    for table, expected in database["tables"].items():
        if restored.get(table) != expected:
            problems.append(f"tabel {table}: isi setelah pemulihan berbeda")
    if problems:
        raise BackupError("Pemulihan tidak cocok dengan cadangan:\n- " + "\n- ".join(problems))
    return Summary(
        directory=directory,
        tables=len(restored),
        rows=sum(t["rows"] for t in restored.values()),
        files=len(wanted),
        bytes=database["size"] + sum(m["size"] for m in manifest["media"]),
    )
