"""django-import-export glue: file formats and the resource, both backed by proposals.importing
(and the core reader, bangkit.tabular)."""

import tablib
from import_export import fields
from import_export.formats import base_formats
from import_export.results import Error, Result, RowResult

from bangkit import spreadsheets
from bangkit.spreadsheets import SafeModelResource
from bangkit.tabular import Table, UnreadableFile, read_csv, read_xlsx
from proposals.importing import COLUMNS, musrenbang_import
from proposals.models import MusrenbangEntry


class MusrenbangImportRejected(Exception):
    """The file was refused as a whole; the report on the result says why."""


def _dataset(table: Table) -> tablib.Dataset:
    """A Dataset for import-export that keeps the Table (with its row numbers) attached."""
    width = len(table.headers)
    dataset = tablib.Dataset(headers=[str(h) if h is not None else "" for h in table.headers])
    for _, cells in table.rows:
        dataset.append((list(cells) + [None] * width)[:width])
    dataset.musrenbang_table = table
    return dataset


class _TableFormat:
    """Read with the same reader as the command: row numbers, encodings, delimiters."""

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        try:
            table = self.read(in_stream)
        except UnreadableFile as exc:
            # import-export shows the exception type and asks to check the format.
            raise ValueError(str(exc)) from exc
        return _dataset(table)


class MusrenbangCSV(_TableFormat, base_formats.CSV):
    """CSV with ';' or ',' as separator, UTF-8 (with or without BOM), cp1252 or latin-1."""

    @staticmethod
    def read(data):
        return read_csv(data, columns=COLUMNS)


class MusrenbangXLSX(_TableFormat, base_formats.XLSX):
    """The sheet that carries the Musrenbang columns, Excel numbers as numbers."""

    @staticmethod
    def read(data):
        return read_xlsx(data, columns=COLUMNS)


PREVIEW_LIMIT = 500
IMPORT_FORMATS = [MusrenbangCSV, MusrenbangXLSX]
EXPORT_FORMATS = spreadsheets.EXPORT_FORMATS  # escaped against formula injection

_IMPORT_TYPE = {
    "new": RowResult.IMPORT_TYPE_NEW,
    "updated": RowResult.IMPORT_TYPE_UPDATE,
    "unchanged": RowResult.IMPORT_TYPE_SKIP,
}


class MusrenbangEntryResource(SafeModelResource):
    """Exports in the import's own column names; imports through musrenbang_import.

    The natural key is (year, ID usulan), backed by the database constraint
    ``musrenbang_unique_source``; the year comes from the import form, not the file.
    """

    id_usulan = fields.Field(attribute="source_id", column_name="id_usulan")
    kecamatan = fields.Field(
        attribute="kelurahan__kecamatan__name", column_name="kecamatan", readonly=True
    )
    kelurahan = fields.Field(attribute="kelurahan__name", column_name="kelurahan", readonly=True)
    rt = fields.Field(column_name="rt", readonly=True)
    usulan = fields.Field(attribute="title", column_name="usulan")
    permasalahan = fields.Field(attribute="problem", column_name="permasalahan")
    jenis_kegiatan = fields.Field(column_name="jenis_kegiatan", readonly=True)
    lokasi = fields.Field(attribute="location_text", column_name="lokasi")
    volume = fields.Field(attribute="volume", column_name="volume")
    satuan = fields.Field(attribute="unit", column_name="satuan")
    perkiraan_biaya = fields.Field(attribute="estimated_cost", column_name="perkiraan_biaya")
    prioritas = fields.Field(attribute="priority", column_name="prioritas")
    pengusul = fields.Field(attribute="proposer", column_name="pengusul")
    latitude = fields.Field(attribute="latitude", column_name="latitude")
    longitude = fields.Field(attribute="longitude", column_name="longitude")
    tahun = fields.Field(attribute="year", column_name="tahun", readonly=True)

    class Meta:
        model = MusrenbangEntry
        fields = (
            "id_usulan",
            "kecamatan",
            "kelurahan",
            "rt",
            "usulan",
            "permasalahan",
            "jenis_kegiatan",
            "lokasi",
            "volume",
            "satuan",
            "perkiraan_biaya",
            "prioritas",
            "pengusul",
            "latitude",
            "longitude",
            "tahun",
        )
        import_id_fields = ("tahun", "id_usulan")
        use_transactions = True

    @classmethod
    def get_display_name(cls):
        return "Usulan Musrenbang"

    def dehydrate_rt(self, entry):
        return entry.rt.number if entry.rt_id else ""

    def dehydrate_jenis_kegiatan(self, entry):
        return entry.work_type_text or (entry.work_type.name if entry.work_type_id else "")

    def get_user_visible_fields(self):
        # The import form lists the columns a file needs; "tahun" comes from the form.
        return [f for f in super().get_user_visible_fields() if f.column_name != "tahun"]

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """One path for every import: the admin's preview and confirm call the service."""
        year = kwargs.get("year")
        if year is None:
            raise ValueError("Impor Musrenbang memerlukan tahun (year=...).")
        table = getattr(dataset, "musrenbang_table", None)
        if table is None:
            table = Table.from_rows([dataset.headers or [], *dataset], columns=COLUMNS)
        report = musrenbang_import(
            file_or_rows=table,
            filename=kwargs.get("file_name") or "",
            year=int(year),
            actor=kwargs.get("user"),
            dry_run=dry_run,
            skip_invalid=bool(kwargs.get("skip_invalid")),
            create_rts=bool(kwargs.get("create_rts")),
        )
        result = report_result(report)
        if raise_errors and report.rejected:
            raise MusrenbangImportRejected("\n".join(str(e) for e in report.errors))
        return result


def report_result(report) -> Result:
    """The import-export Result for a report, so the admin's preview and log entries work."""
    result = Result()
    result.report = report
    result.diff_headers = ["Baris", "ID Usulan", "Kelurahan", "RT", "Usulan", "Diubah"]
    result.total_rows = report.total
    if report.rejected:
        result.append_base_error(
            Error(MusrenbangImportRejected(f"Berkas ditolak: {report.summary}"))
        )
    for outcome in report.outcomes:
        row = RowResult()
        row.import_type = _IMPORT_TYPE[outcome.status]
        row.instance = outcome.entry
        row.add_instance_info(outcome.entry)
        row.diff = [
            outcome.row,
            outcome.source_id,
            outcome.entry.kelurahan.name if outcome.entry.kelurahan_id else "",
            f"RT {outcome.rt_number:02d}" if outcome.rt_number else "",
            outcome.entry.title,
            ", ".join(outcome.changed),
        ]
        result.append_row_result(row)
        result.increment_row_result_total(row)
    result.totals[RowResult.IMPORT_TYPE_INVALID] = report.invalid
    # The preview lists what will change; unchanged rows are only counted.
    changing = [r for r in result.rows if r.import_type != RowResult.IMPORT_TYPE_SKIP]
    result.preview_rows = changing[:PREVIEW_LIMIT]
    result.preview_hidden = max(0, len(changing) - PREVIEW_LIMIT)
    return result
