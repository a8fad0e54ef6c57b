"""Shared fixtures: media in a temp dir, the real regions, users of every role, and failing
media storage or commits."""

import errno
import io
import os
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.models.signals import post_migrate

from tests import factories


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_content_types():
    # Transactional tests flush and re-create content types with new ids: never reuse a
    # cached one from an earlier test (a stale id breaks audit rows on PostgreSQL).
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def _reload_migration_data(sender, **kwargs):
    """After a transactional test's flush, the rows the data migrations load (the standard
    work types) are loaded again, as ``migrate`` left them: the flush empties every table, and
    a later test (the demo's seeders match the wish-list to work types) would otherwise see
    a database no migration leaves, depending on what ran before it."""
    if sender.label == "bangkit":
        # (flush sends no ``apps``: the models as they are, which the migrations made)
        state = kwargs.get("apps") or django_apps
        import_module("bangkit.migrations.0002_work_types").forwards(state, None)


post_migrate.connect(_reload_migration_data, dispatch_uid="tests-reload-migration-data")


@pytest.fixture(autouse=True)
def _fresh_stored_file_registry():
    # Files saved in a test are pending until its transaction ends, and the test database is
    # rolled back under them: never let a later test sweep them (a query it did not make).
    from bangkit import storage

    storage.reset()
    yield
    storage.reset()


@pytest.fixture
def regions(db):
    """The real 11 kecamatan and 68 kelurahan, loaded by the real command."""
    call_command("load_regions", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def fiscal_year(db):
    return factories.FiscalYearFactory()


@pytest.fixture
def make_user(db):
    return factories.make_user


@pytest.fixture
def media_files(settings):
    """The files now in MEDIA_ROOT, as paths relative to it."""

    def files() -> set[str]:
        root = Path(settings.MEDIA_ROOT)
        if not root.exists():
            return set()
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}

    return files


@pytest.fixture
def media_fails(monkeypatch):
    """Media storage refuses writes: `media_fails(errno.ENOSPC, after=1)` lets one file through,
    then fails the next ones. A full disk keeps the part it managed to write, as it does."""

    def install(code: int, *, after: int = 0) -> None:
        real = FileSystemStorage._save
        passed = []

        def _save(self, name, content):
            if len(passed) < after:
                passed.append(name)
                return real(self, name, content)
            path = self.path(name)
            if code in (errno.ENOSPC, errno.EDQUOT):
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as partial:
                    content.seek(0)
                    partial.write(content.read(16))
            raise OSError(code, os.strerror(code), path)

        monkeypatch.setattr(FileSystemStorage, "_save", _save)

    return install


@pytest.fixture
def commit_fails(monkeypatch):
    """`with commit_fails():` the next COMMIT fails, as when the database restarts in the
    middle of an upload; later ones work again. Needs real commits (a transactional test)."""

    @contextmanager
    def failing():
        connection = connections[DEFAULT_DB_ALIAS]
        failed = []

        def commit():
            if failed:
                return real()
            failed.append(True)
            raise OperationalError("server closed the connection unexpectedly")

        with monkeypatch.context() as patch:
            real = connection.commit
            patch.setattr(connection, "commit", commit)
            yield
        assert failed, "no transaction was committed"

    return failing
