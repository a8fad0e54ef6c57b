"""Load the kecamatan and kelurahan of the city from a CSV file, idempotently."""

import csv
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from bangkit.models import Kecamatan, Kelurahan

DEFAULT_FILE = Path(settings.BASE_DIR) / "fixtures" / "jambi_wilayah.csv"
COLUMNS = [
    "kelurahan_code",
    "kecamatan_code",
    "kecamatan",
    "kelurahan",
    "bps_code_2018",
    "valid_from_year",
    "aliases",
]
KELURAHAN_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
KECAMATAN_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")


def parse_rows(path: Path) -> list[dict]:
    """Read and check every row; raise CommandError naming each bad row and why."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(f"Berkas {path} tidak dapat dibuka: {exc.strerror}") from exc
    with handle:
        try:
            rows, errors = _check_rows(csv.DictReader(handle), path)
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"Berkas {path.name} ditolak: bukan teks UTF-8 (byte ke-{exc.start + 1}). "
                "Simpan ulang sebagai CSV UTF-8."
            ) from exc
        except csv.Error as exc:
            raise CommandError(f"Berkas {path.name} ditolak: CSV tidak sah ({exc}).") from exc
    if errors:
        raise CommandError("Berkas wilayah ditolak, tidak ada yang diubah:\n" + "\n".join(errors))
    if not rows:
        raise CommandError(f"Berkas {path.name} tidak berisi data wilayah.")
    return rows


def _check_rows(reader: csv.DictReader, path: Path) -> tuple[list[dict], list[str]]:
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CommandError(
            f"Berkas wilayah {path.name} ditolak, tidak ada yang diubah:\n"
            f"Baris 1 (judul kolom): kolom tidak ada: {', '.join(missing)}"
        )
    rows, errors = [], []
    seen_codes: set[str] = set()
    kecamatan_name_by_code: dict[str, str] = {}
    kecamatan_code_by_slug: dict[str, str] = {}
    kelurahan_code_by_slug: dict[str, str] = {}
    for number, raw in enumerate(reader, start=2):
        row = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        problems = []
        if not KELURAHAN_CODE.match(row["kelurahan_code"]):
            problems.append(f"kode kelurahan '{row['kelurahan_code']}' bukan format 15.71.KK.DDDD")
        if not KECAMATAN_CODE.match(row["kecamatan_code"]):
            problems.append(f"kode kecamatan '{row['kecamatan_code']}' bukan format 15.71.KK")
        elif not row["kelurahan_code"].startswith(row["kecamatan_code"] + "."):
            problems.append("kode kelurahan tidak berada di bawah kode kecamatannya")
        if row["kelurahan_code"] in seen_codes:
            problems.append(f"kode kelurahan '{row['kelurahan_code']}' ganda")
        seen_codes.add(row["kelurahan_code"])
        for col in ("kecamatan", "kelurahan"):
            if not row[col]:
                problems.append(f"kolom {col} kosong")
        if row["kecamatan"] and row["kecamatan_code"]:
            # One kecamatan, one name and one code in the whole file.
            known = kecamatan_name_by_code.setdefault(row["kecamatan_code"], row["kecamatan"])
            if known != row["kecamatan"]:
                problems.append(
                    f"kecamatan '{row['kecamatan']}' berbeda dengan nama '{known}' "
                    f"untuk kode {row['kecamatan_code']}"
                )
            other = kecamatan_code_by_slug.setdefault(
                slugify(row["kecamatan"]), row["kecamatan_code"]
            )
            if other != row["kecamatan_code"]:
                problems.append(
                    f"kecamatan '{row['kecamatan']}' sudah memakai kode {other}, "
                    f"bukan {row['kecamatan_code']}"
                )
        if row["kelurahan"]:
            # Slugs name the demo accounts and URLs: one kelurahan per name in the city.
            other = kelurahan_code_by_slug.setdefault(
                slugify(row["kelurahan"]), row["kelurahan_code"]
            )
            if other != row["kelurahan_code"]:
                problems.append(f"nama kelurahan '{row['kelurahan']}' sudah dipakai kode {other}")
        if row["bps_code_2018"] and not re.fullmatch(r"\d{10}", row["bps_code_2018"]):
            problems.append(f"kode BPS '{row['bps_code_2018']}' harus 10 angka")
        try:
            year = int(row["valid_from_year"])
            if not 1945 <= year <= 2100:
                raise ValueError
            row["valid_from_year"] = year
        except ValueError:
            problems.append(f"tahun berlaku '{row['valid_from_year']}' tidak sah")
        row["aliases"] = [a.strip() for a in re.split(r"[;|]", row["aliases"]) if a.strip()]
        row["number"] = number
        if problems:
            errors.append(f"Baris {number}: " + "; ".join(problems))
        rows.append(row)
    return rows, errors


def check_against_database(rows: list[dict]) -> list[str]:
    """Rows whose name or slug another code already holds in the database (a renumbering)."""
    errors = []
    kecamatan = {k.slug: k for k in Kecamatan.objects.all()}
    kelurahan = {k.slug: k for k in Kelurahan.objects.all()}
    reported: set[str] = set()
    for row in rows:
        kec = kecamatan.get(slugify(row["kecamatan"]))
        if kec and kec.code != row["kecamatan_code"] and kec.code not in reported:
            reported.add(kec.code)
            errors.append(
                f"Baris {row['number']}: kecamatan '{row['kecamatan']}' sudah ada dengan kode "
                f"{kec.code}, bukan {row['kecamatan_code']}"
            )
        kel = kelurahan.get(slugify(row["kelurahan"]))
        if kel and kel.code != row["kelurahan_code"]:
            errors.append(
                f"Baris {row['number']}: kelurahan '{row['kelurahan']}' sudah ada dengan kode "
                f"{kel.code}, bukan {row['kelurahan_code']}"
            )
    return errors


class Command(BaseCommand):
    help = "Load (or update) kecamatan and kelurahan from a region CSV; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))

    def handle(self, *args, file, **options):
        rows = parse_rows(Path(file))
        try:
            with transaction.atomic():
                clashes = check_against_database(rows)
                if clashes:
                    raise CommandError(
                        "Berkas wilayah ditolak, tidak ada yang diubah:\n" + "\n".join(clashes)
                    )
                self._load(rows)
        except IntegrityError as exc:
            raise CommandError(
                "Berkas wilayah ditolak, tidak ada yang diubah: bentrok dengan data yang ada "
                f"({exc})."
            ) from exc

    def _load(self, rows):
        """Insert new rows in bulk and update changed ones: a handful of queries in all."""
        counts = {"baru": 0, "diperbarui": 0, "tetap": 0}
        kecamatan_values = {}
        for row in rows:
            kecamatan_values.setdefault(
                row["kecamatan_code"],
                {"name": row["kecamatan"], "slug": slugify(row["kecamatan"])},
            )
        self._sync(Kecamatan, kecamatan_values, counts)
        kecamatan_ids = dict(
            Kecamatan.objects.filter(code__in=kecamatan_values).values_list("code", "pk")
        )
        kelurahan_values = {
            row["kelurahan_code"]: {
                "kecamatan_id": kecamatan_ids[row["kecamatan_code"]],
                "name": row["kelurahan"],
                "slug": slugify(row["kelurahan"]),
                "bps_code": row["bps_code_2018"],
                "valid_from_year": row["valid_from_year"],
                "aliases": row["aliases"],
            }
            for row in rows
        }
        self._sync(Kelurahan, kelurahan_values, counts)
        self.stdout.write(
            f"Wilayah: {len(kecamatan_values)} kecamatan, {len(rows)} kelurahan "
            f"({counts['baru']} baru, {counts['diperbarui']} diperbarui, {counts['tetap']} tetap)."
        )

    @staticmethod
    def _sync(model, values_by_code: dict[str, dict], counts: dict[str, int]) -> None:
        existing = {obj.code: obj for obj in model.objects.filter(code__in=values_by_code)}
        new = []
        for code, values in values_by_code.items():
            obj = existing.get(code)
            if obj is None:
                new.append(model(code=code, **values))
                counts["baru"] += 1
                continue
            changed = [f for f, v in values.items() if getattr(obj, f) != v]
            if changed:
                for f in changed:
                    setattr(obj, f, values[f])
                obj.save(update_fields=changed)
                counts["diperbarui"] += 1
            else:
                counts["tetap"] += 1
        model.objects.bulk_create(new)
