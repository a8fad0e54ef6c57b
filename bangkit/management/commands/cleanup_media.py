"""List, and with --delete remove, the files in media storage that no record points to.

Every file field of every installed model is read (through the app registry: this command
knows no app by name), with the history copies simple_history keeps of them, so a file any
row names is never touched. Unreferenced files are:

- left by an upload whose transaction never committed in a process that died before it
  could clean up (bangkit.storage removes them itself otherwise);
- django-import-export import previews (its MediaStorage folder) whose confirmation never
  came: they are abandoned after a day (--preview-hours).

Files younger than --grace-minutes are left alone: an upload in progress has stored its file
and not yet committed the row that names it.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.core.management.base import BaseCommand
from django.db import models
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from import_export.tmp_storages import MediaStorage

from bangkit.backup import walk as _walk
from bangkit.money import group_thousands


@dataclass
class Area:
    """One storage backend: the fields whose files it holds, the names they reference."""

    storage: object
    fields: list = field(default_factory=list)  # (model, column name)
    referenced: set = field(default_factory=set)
    preview_folders: set = field(default_factory=set)


def _resolved(storage):
    if isinstance(storage, LazyObject):
        if storage._wrapped is empty:
            storage._setup()
        return storage._wrapped
    return storage


def _key(storage):
    """Two storage objects configured alike hold the same files."""
    storage = _resolved(storage)
    try:
        path, args, kwargs = storage.deconstruct()
    except (AttributeError, ValueError):
        return ("object", id(storage))
    return (path, repr(args), repr(sorted(kwargs.items())))


def _file_columns():
    """(model, column, storage) for every file field, and for the history copies of them
    (simple_history stores them as text columns of the same name)."""
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or model._meta.swapped:
            continue
        original = getattr(model, "instance_type", None)  # a simple_history model
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                yield model, f.attname, f.storage
            elif original is not None:
                try:
                    source = original._meta.get_field(f.name)
                except FieldDoesNotExist:
                    continue
                if isinstance(source, models.FileField):
                    yield model, f.attname, source.storage


def _preview_locations():
    """(storage, folder) where django-import-export keeps the files of import previews."""
    found = [MediaStorage()]
    for model_admin in admin.site._registry.values():
        if not hasattr(model_admin, "get_tmp_storage_class"):
            continue
        storage_class = model_admin.get_tmp_storage_class()
        if isinstance(storage_class, type) and issubclass(storage_class, MediaStorage):
            found.append(storage_class(**model_admin.get_tmp_storage_class_kwargs()))
    return [(tmp._storage, tmp.MEDIA_FOLDER) for tmp in found if tmp.MEDIA_FOLDER]


class Command(BaseCommand):
    help = (
        "Daftar berkas di penyimpanan media yang tidak dirujuk satu baris pun (termasuk "
        "pratinjau impor yang terbengkalai); dengan --delete berkas itu dihapus."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete", action="store_true", help="Hapus berkas yang tidak dirujuk."
        )
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=60,
            help="Berkas yang lebih baru dari ini dibiarkan (unggahan yang sedang berjalan).",
        )
        parser.add_argument(
            "--preview-hours",
            type=int,
            default=24,
            help="Pratinjau impor yang lebih tua dari ini dianggap terbengkalai.",
        )

    def handle(self, *args, delete=False, grace_minutes=60, preview_hours=24, **options):
        now = timezone.now()
        grace_limit = now - timedelta(minutes=max(0, grace_minutes))
        preview_limit = now - timedelta(hours=max(0, preview_hours))
        areas = self._areas()

        counts = dict.fromkeys(
            ["files", "referenced", "orphans", "previews", "recent", "missing", "deleted"], 0
        )
        failed = []
        for area in areas.values():
            present = set()
            for name in _walk(area.storage):
                present.add(name)
                counts["files"] += 1
                if name in area.referenced:
                    counts["referenced"] += 1
                    continue
                preview = any(name.startswith(f"{folder}/") for folder in area.preview_folders)
                modified = area.storage.get_modified_time(name)
                if modified > (preview_limit if preview else grace_limit):
                    counts["recent"] += 1
                    continue
                counts["previews" if preview else "orphans"] += 1
                label = "pratinjau impor terbengkalai" if preview else "tidak dirujuk"
                size = group_thousands(area.storage.size(name))
                when = timezone.localtime(modified)
                self.stdout.write(f"{label}: {name} ({size} bita, {when:%d-%m-%Y %H:%M})")
                if delete and self._still_unreferenced(area, name):
                    try:
                        area.storage.delete(name)
                    except OSError as exc:
                        failed.append(f"{name}: {exc.strerror or exc}")
                    else:
                        counts["deleted"] += 1
            counts["missing"] += len(area.referenced - present)

        self.stdout.write(
            f"Berkas diperiksa: {counts['files']}; dirujuk: {counts['referenced']}; "
            f"tidak dirujuk: {counts['orphans']}; pratinjau impor terbengkalai: "
            f"{counts['previews']}; terlalu baru, dibiarkan: {counts['recent']}."
        )
        if counts["missing"]:
            self.stdout.write(f"Dirujuk tetapi berkasnya tidak ada: {counts['missing']}.")
        if delete:
            self.stdout.write(f"Dihapus: {counts['deleted']}.")
        elif counts["orphans"] or counts["previews"]:
            self.stdout.write("Jalankan lagi dengan --delete untuk menghapusnya.")
        for problem in failed:
            self.stderr.write(f"Gagal dihapus: {problem}")

    def _areas(self) -> dict:
        areas: dict = {}

        def area_of(storage) -> Area:
            key = _key(storage)
            if key not in areas:
                areas[key] = Area(storage=_resolved(storage))
            return areas[key]

        for model, column, storage in _file_columns():
            area = area_of(storage)
            area.fields.append((model, column))
            names = (
                model._base_manager.exclude(**{f"{column}__isnull": True})
                .exclude(**{column: ""})
                .values_list(column, flat=True)
            )
            area.referenced.update(names.iterator())
        for storage, folder in _preview_locations():
            area_of(storage).preview_folders.add(folder.strip("/"))
        return areas

    @staticmethod
    def _still_unreferenced(area: Area, name: str) -> bool:
        """Asked again just before deleting: a row saved since the scan keeps its file."""
        return not any(
            model._base_manager.filter(**{column: name}).exists() for model, column in area.fields
        )
