"""Writing many rows at once: ``insert(model, rows)``, for the ten-year demo generator
(demo.seeders.decade) and the dashboard's summary rows (dashboards.summary).

On PostgreSQL the rows get their ids from the table's own sequence in one query and go in
by ``COPY``: the same rows ``bulk_create`` writes, without Django turning each of about
650,000 values a year into an SQL parameter (three quarters of the decade generator's
Python time) and without the server parsing an INSERT per batch. Elsewhere (SQLite, the
quick start) and for a model this does not know how to copy, it is ``bulk_create``.

A value goes in as the model field would prepare it: the plain ones (whole numbers, text,
flags, aware times, dates, foreign keys, JSON) written out directly, the others (decimals,
files, naive times, dates that set themselves, choices) through the field's own
``pre_save`` and ``get_db_prep_save``.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime

from django.db import connection, models

BATCH = 5_000


def insert(model, rows: list, *, batch_size: int = BATCH) -> list:
    """Write `rows` (unsaved instances of `model`) and give each its id, as bulk_create does."""
    return Writes().insert(model, rows, batch_size=batch_size)


def update(model, rows: list, field_name: str) -> None:
    """Store one field of saved `rows`, as ``bulk_update(rows, [field_name])`` does: on
    PostgreSQL in one UPDATE joined to the ids and values as two arrays (bulk_update writes a
    CASE with one branch per row)."""
    Writes().update(model, rows, field_name)


class Writes:
    """Bulk writes, run at once or (``later``, PostgreSQL only) kept in order for ``run()``,
    which may run them on another connection: the ten-year generator has a thread of its
    own write one year (the server copying the rows, then checking their foreign keys at
    commit) while it makes the next. A kept write is ready when kept: the rows have their
    ids from the sequences and are turned into COPY's text, so that running it reads
    nothing of them."""

    def __init__(self, *, later: bool = False):
        if later and connection.vendor != "postgresql":
            raise ValueError("writes are kept for later only on PostgreSQL")
        self.later = later
        self._kept: list = []

    def insert(self, model, rows: list, *, batch_size: int = BATCH) -> list:
        if not rows:
            return rows
        if connection.vendor != "postgresql" or not _copyable(model):
            if self.later:
                raise ValueError(f"{model.__name__}: only a copyable model can be kept")
            model.objects.bulk_create(rows, batch_size=batch_size)
            return rows
        meta = model._meta
        without_id = [row for row in rows if row.pk is None]
        if without_id:
            # The sequence gives ids outside any transaction: reserved now, whoever writes.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, meta.pk.column, len(without_id)],
                )
                for row, (pk,) in zip(without_id, cursor.fetchall(), strict=True):
                    row.pk = pk
        fields = meta.concrete_fields
        quote = connection.ops.quote_name
        statement = (
            f"COPY {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) FROM STDIN"
        )
        readers = [_reader(field) for field in fields]
        chunks = [
            "".join(
                "\t".join([read(row) for read in readers]) + "\n"
                for row in rows[start : start + batch_size]
            )
            for start in range(0, len(rows), batch_size)
        ]
        self._write(_copy, statement, chunks)
        for row in rows:
            row._state.adding = False
            row._state.db = connection.alias
        return rows

    def update(self, model, rows: list, field_name: str) -> None:
        if not rows:
            return
        if connection.vendor != "postgresql":
            model.objects.bulk_update(rows, [field_name], batch_size=BATCH)
            return
        meta = model._meta
        field = meta.get_field(field_name)
        quote = connection.ops.quote_name
        self._write(
            _execute,
            f"UPDATE {quote(meta.db_table)} AS t SET {quote(field.column)} = v.value "
            f"FROM unnest(%s::{meta.pk.db_type(connection)}[], "
            f"%s::{field.db_type(connection)}[]) AS v(id, value) "
            f"WHERE t.{quote(meta.pk.column)} = v.id",
            [
                [row.pk for row in rows],
                [field.get_db_prep_save(getattr(row, field.attname), connection) for row in rows],
            ],
        )

    def _write(self, step, *args) -> None:
        if self.later:
            self._kept.append((step, args))
        else:
            step(*args)

    def run(self) -> None:
        """The kept writes, in the order they were kept, on this thread's connection."""
        kept, self._kept = self._kept, []
        for step, args in kept:
            step(*args)


def _copy(statement: str, chunks: list[str]) -> None:
    with connection.cursor() as cursor:
        for chunk in chunks:
            cursor.copy_expert(statement, io.StringIO(chunk))


def _execute(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _copyable(model) -> bool:
    meta = model._meta
    return not meta.parents and isinstance(meta.pk, (models.AutoField, models.BigAutoField))


def _reader(field):
    """row -> the value the field stores for it, in COPY's text format."""
    attname = field.attname
    sets_itself = isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add)

    def prepared(row):
        return _text(field.get_db_prep_save(field.pre_save(row, True), connection))

    if isinstance(field, models.BooleanField):
        flags = {True: "t", False: "f", None: NULL}
        return lambda row: flags.get(getattr(row, attname)) or prepared(row)
    if isinstance(field, (models.IntegerField, models.ForeignKey)):

        def number(row):
            value = getattr(row, attname)
            if value is None:
                return NULL
            return str(value) if type(value) is int else prepared(row)  # a float, a choice …

        return number
    if isinstance(field, (models.CharField, models.TextField)):
        return lambda row: NULL if (value := getattr(row, attname)) is None else _escaped(value)
    if isinstance(field, models.DateField) and not sets_itself:
        # A naive time (made aware by the field) or a time given for a date: as prepared.
        timed = isinstance(field, models.DateTimeField)

        def read(row):
            value = getattr(row, attname)
            if value is None:
                return NULL
            if timed:
                as_is = isinstance(value, datetime) and value.tzinfo is not None
            else:
                as_is = not isinstance(value, datetime)
            return value.isoformat() if as_is else prepared(row)

        return read
    if isinstance(field, models.JSONField):
        # None is SQL's NULL, as the field stores it.
        return lambda row: (
            NULL
            if (value := getattr(row, attname)) is None
            else _escaped(json.dumps(value, cls=field.encoder))
        )
    return prepared


NULL = r"\N"


def _escaped(value) -> str:
    """Text in COPY's text format: its backslashes, tabs and line ends escaped."""
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _text(value) -> str:
    """Any prepared value in COPY's text format."""
    if value is None:
        return NULL
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return _escaped(value)
