"""Stored files that live and die with the database transaction that saved them.

An upload is written to media storage before the row that names it is committed. When that
commit never happens (an error later in the service, an enclosing block rolled back, the
database gone at COMMIT), nothing in Django removes the file: it has `on_commit` hooks but no
rollback hook. So every upload path writes through `save_file`, which

- writes the file (a full or read-only disk becomes `StorageUnavailable`, an `ActionRefused`
  with an Indonesian message, and the partial file is removed),
- records its name in this thread's registry, and
- registers an `on_commit` hook that marks it kept.

Django itself drops the hooks of a transaction or savepoint that rolls back (or whose commit
fails). `sweep` finds the files whose hook has neither run nor is still waiting, checks that
no row names them, and deletes them. It runs when a `bangkit.storage.atomic` block exits
(services that store files use it instead of `transaction.atomic`), at the end of every
request, and before each new save. A process killed in between leaves its files to the
`cleanup_media` command.
"""

import errno
import logging
import posixpath
import threading
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router, transaction

from bangkit.errors import ActionRefused

logger = logging.getLogger(__name__)

FULL = {errno.ENOSPC, errno.EDQUOT}
NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}


class StorageUnavailable(ActionRefused):
    """Media storage refused the write (full, read-only): nothing was saved."""


# Object storage (django-storages' S3 backend) fails with botocore's own exceptions, which are
# no OSError: an unreachable endpoint, a timeout, a refused or missing bucket.
OBJECT_STORAGE_MODULES = {"botocore", "boto3", "s3transfer"}


def storage_refused(exc: BaseException) -> bool:
    """Whether `exc` is media storage failing (the disk or the object store), not a bug."""
    return isinstance(exc, OSError) or type(exc).__module__.split(".")[0] in OBJECT_STORAGE_MODULES


def unavailable_message(exc: Exception, label: str) -> str:
    """What the user reads when storage refuses a file, in Indonesian, naming the file."""
    code = getattr(exc, "errno", None)
    if code in FULL:
        reason = "ruang penyimpanan berkas di server penuh"
    elif code in NOT_WRITABLE or isinstance(exc, PermissionError):
        reason = "penyimpanan berkas di server sedang tidak dapat ditulisi (hanya-baca)"
    else:
        reason = "penyimpanan berkas di server sedang bermasalah"
    return (
        f"Berkas '{label}' tidak dapat disimpan: {reason}. Tidak ada yang diubah; "
        "coba lagi nanti atau hubungi admin aplikasi."
    )


class _Saved:
    """A stored file waiting for its transaction; Django calls it when the transaction commits."""

    __slots__ = ("storage", "name", "model", "field", "using", "kept")

    def __init__(self, storage, name, model, field, using):
        self.storage = storage
        self.name = name
        self.model = model
        self.field = field
        self.using = using
        self.kept = False

    def __call__(self):
        self.kept = True

    def waiting(self) -> bool:
        """Still among the hooks of an open transaction (not rolled back, not committed)."""
        return any(func is self for _, func, _ in connections[self.using].run_on_commit)

    def referenced(self) -> bool:
        """Whether a row names the file. Inside a transaction in a savepoint of its own: a
        failing query here must not break the caller's transaction."""
        query = self.model._base_manager.using(self.using).filter(**{self.field: self.name})
        if not connections[self.using].in_atomic_block:
            return query.exists()
        with transaction.atomic(using=self.using):
            return query.exists()


_registry = threading.local()


def _pending() -> list[_Saved]:
    if not hasattr(_registry, "files"):
        _registry.files = []
    return _registry.files


def _delete(storage, name: str) -> bool:
    try:
        storage.delete(name)
    except Exception:  # a read-only disk, a network error: cleanup_media will find it later
        logger.exception("Could not delete %s from media storage", name)
        return False
    return True


def save_file(field_file, name: str, content, *, label: str | None = None) -> str:
    """Store `content` for `field_file` (a FileField of an unsaved or saved instance) under
    `name` passed through the field's upload_to; the file is deleted again if the current
    transaction does not commit. Returns the stored name."""
    sweep()
    field, instance, storage = field_file.field, field_file.instance, field_file.storage
    using = router.db_for_write(type(instance), instance=instance) or DEFAULT_DB_ALIAS
    target = field.generate_filename(instance, name)
    try:
        # Inside: on object storage, finding a free name already asks the store.
        target = storage.get_available_name(target, max_length=field.max_length)
        stored = storage.save(target, content, max_length=field.max_length)
    except Exception as exc:
        if not storage_refused(exc):
            raise
        # A full disk leaves what was written so far: never keep half a file.
        try:
            if storage.exists(target):
                storage.delete(target)
        except Exception:  # the store is unreachable: there is nothing to remove either
            logger.exception("Could not remove the partial file %s", target)
        shown = label or posixpath.basename(str(getattr(content, "name", "") or name))
        logger.error("Media storage refused %s: %s", target, exc)
        raise StorageUnavailable(unavailable_message(exc, shown)) from exc
    setattr(instance, field.attname, stored)
    saved = _Saved(storage, stored, type(instance), field.attname, using)
    _pending().append(saved)
    transaction.on_commit(saved, using=using)
    return stored


def delete_on_commit(*field_files, using: str | None = None) -> None:
    """Delete these stored files once the transaction commits; a rollback keeps them."""
    names = [(f.storage, f.name) for f in field_files if f]

    def delete():
        for storage, name in names:
            _delete(storage, name)

    if names:
        transaction.on_commit(delete, using=using)


def sweep() -> int:
    """Delete the files of this thread whose transaction rolled back; return how many."""
    pending = _pending()
    if not pending:
        return 0
    still, removed = [], 0
    for saved in pending:
        if saved.kept:
            continue
        if saved.waiting():
            still.append(saved)
            continue
        try:
            referenced = saved.referenced()
        except DatabaseError:
            # The database cannot answer now (connection lost, transaction broken): ask
            # again at the next sweep rather than guess.
            still.append(saved)
            continue
        if referenced:
            continue  # committed after all (a hook registered before ours failed)
        removed += _delete(saved.storage, saved.name)
    _registry.files = still
    return removed


def _sweep_logged() -> None:
    """``sweep`` on the way out of a block or a request: a failure is logged, not raised over
    the answer or the error already on its way."""
    try:
        sweep()
    except Exception:
        logger.exception("Sweeping rolled-back media files failed")


def sweep_after_request(**kwargs) -> None:
    """request_finished receiver: a view's own transaction may have rolled back."""
    _sweep_logged()


def reset() -> None:
    """Forget this thread's pending files without touching them (the test database was rolled
    back and recreated under them)."""
    _registry.files = []


@contextmanager
def _atomic(using, savepoint, durable):
    try:
        with transaction.atomic(using=using, savepoint=savepoint, durable=durable):
            yield
    finally:
        _sweep_logged()


def atomic(using=None, savepoint=True, durable=False):
    """`transaction.atomic` that deletes, on the way out, the files saved inside it with
    `save_file` if the block (or its commit) failed. Decorator or context manager."""
    if callable(using):
        return _atomic(DEFAULT_DB_ALIAS, savepoint, durable)(using)
    return _atomic(using, savepoint, durable)
