"""Load the kecamatan and kelurahan of the city from a CSV file, and their boundaries from
GeoJSON, idempotently."""

import csv
import json
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from bangkit import geo
from bangkit.models import Kecamatan, Kelurahan

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
DEFAULT_FILE = FIXTURES / "jambi_wilayah.csv"
DEFAULT_KELURAHAN_BOUNDARIES = FIXTURES / "jambi_batas_kelurahan.geojson"
DEFAULT_KECAMATAN_BOUNDARIES = FIXTURES / "jambi_batas_kecamatan.geojson"
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


def parse_boundaries(path: Path, *, level: str) -> dict[str, dict]:
    """Read and check a GeoJSON FeatureCollection of ``level`` ("kelurahan" or "kecamatan")
    boundaries: {code: {"number", "name", "kecamatan_code", "geometry"}}. Every wrong feature
    is named (its place in the file, code and name) with why, in one CommandError."""
    refused = f"Berkas batas {level} {path.name} ditolak, tidak ada yang diubah"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(f"Berkas {path} tidak dapat dibuka: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"{refused}: bukan teks UTF-8 (byte ke-{exc.start + 1}).") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{refused}: bukan JSON yang sah (baris {exc.lineno}, kolom {exc.colno}: {exc.msg})."
        ) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise CommandError(f"{refused}: isinya harus GeoJSON FeatureCollection.")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise CommandError(f"{refused}: tidak ada fitur (features kosong).")
    pattern = KELURAHAN_CODE if level == "kelurahan" else KECAMATAN_CODE
    shape = "15.71.KK.DDDD" if level == "kelurahan" else "15.71.KK"
    found: dict[str, dict] = {}
    errors = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        code = str(props.get("code") or "").strip()
        name = str(props.get("name") or "").strip()
        label = f"Fitur ke-{number}" + (
            f" ({', '.join(filter(None, [code, name]))})" if code or name else ""
        )
        problems = []
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append("bukan GeoJSON Feature")
        if not code:
            problems.append("properti 'code' (kode Kemendagri) kosong")
        elif not pattern.match(code):
            problems.append(f"kode '{code}' bukan format {shape}")
        elif code in found:
            problems.append(f"kode '{code}' ganda (juga fitur ke-{found[code]['number']})")
        kecamatan_code = str(props.get("kecamatan_code") or "").strip()
        if level == "kelurahan" and kecamatan_code and not code.startswith(kecamatan_code + "."):
            problems.append(f"kode kelurahan tidak berada di bawah kecamatan '{kecamatan_code}'")
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        problems += geo.geometry_problems(geometry)
        if problems:
            errors.append(f"{label}: " + "; ".join(problems))
            continue
        found[code] = {
            "number": number,
            "name": name,
            "label": label,
            "kecamatan_code": kecamatan_code,
            "geometry": geo.simplified(geometry),
        }
    if errors:
        raise CommandError(f"{refused}:\n" + "\n".join(errors))
    return found


def join_boundaries(rows: list[dict], kelurahan: dict, kecamatan: dict, names: dict) -> list[str]:
    """Boundaries whose code the region file does not hold, or that put a kelurahan in
    another kecamatan than the region file does."""
    kelurahan_rows = {row["kelurahan_code"]: row for row in rows}
    kecamatan_codes = {row["kecamatan_code"] for row in rows}
    errors = []
    for code, feature in kelurahan.items():
        row = kelurahan_rows.get(code)
        where = f"{names['kelurahan']}, {feature['label']}"
        if row is None:
            errors.append(f"{where}: kode tidak ada dalam berkas wilayah {names['rows']}")
        elif feature["kecamatan_code"] and feature["kecamatan_code"] != row["kecamatan_code"]:
            errors.append(
                f"{where}: kecamatan '{feature['kecamatan_code']}', sedangkan berkas wilayah "
                f"menyebut {row['kecamatan_code']} ({row['kecamatan']})"
            )
    for code, feature in kecamatan.items():
        if code not in kecamatan_codes:
            errors.append(
                f"{names['kecamatan']}, {feature['label']}: kode tidak ada dalam berkas wilayah "
                f"{names['rows']}"
            )
    return errors


def boundary_values(feature: dict) -> dict:
    """The fields a region stores for its boundary."""
    geometry = feature["geometry"]
    lat, lon = geo.centroid(geometry)
    return {
        "boundary": geometry,
        "bbox": list(geo.bbox(geometry)),
        "centroid_lat": round(lat, 6),
        "centroid_lon": round(lon, 6),
    }


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
    help = (
        "Load (or update) kecamatan and kelurahan from a region CSV, and their boundaries from "
        "GeoJSON (joined on the Kemendagri code); safe to run again. Without FILE the real "
        "regions and boundaries in fixtures/ are loaded; with FILE, boundaries only when "
        "--kelurahan-boundaries / --kecamatan-boundaries name them."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=None)
        parser.add_argument("--kelurahan-boundaries", default=None, metavar="GEOJSON")
        parser.add_argument("--kecamatan-boundaries", default=None, metavar="GEOJSON")
        parser.add_argument(
            "--no-boundaries", action="store_true", help="leave stored boundaries as they are"
        )

    def handle(self, *args, file, kelurahan_boundaries, kecamatan_boundaries, **options):
        path = Path(file) if file else DEFAULT_FILE
        rows = parse_rows(path)
        if file is None:
            kelurahan_boundaries = kelurahan_boundaries or DEFAULT_KELURAHAN_BOUNDARIES
            kecamatan_boundaries = kecamatan_boundaries or DEFAULT_KECAMATAN_BOUNDARIES
        if options["no_boundaries"]:
            kelurahan_boundaries = kecamatan_boundaries = None
        kel_path = Path(kelurahan_boundaries) if kelurahan_boundaries else None
        kec_path = Path(kecamatan_boundaries) if kecamatan_boundaries else None
        kel_features = parse_boundaries(kel_path, level="kelurahan") if kel_path else {}
        kec_features = parse_boundaries(kec_path, level="kecamatan") if kec_path else {}
        names = {
            "rows": path.name,
            "kelurahan": kel_path.name if kel_path else "",
            "kecamatan": kec_path.name if kec_path else "",
        }
        unjoined = join_boundaries(rows, kel_features, kec_features, names)
        if unjoined:
            raise CommandError(
                "Berkas batas wilayah ditolak, tidak ada yang diubah:\n" + "\n".join(unjoined)
            )
        try:
            with transaction.atomic():
                clashes = check_against_database(rows)
                if clashes:
                    raise CommandError(
                        "Berkas wilayah ditolak, tidak ada yang diubah:\n" + "\n".join(clashes)
                    )
                self._load(rows, kel_features, kec_features, loaded=bool(kel_path or kec_path))
        except IntegrityError as exc:
            raise CommandError(
                "Berkas wilayah ditolak, tidak ada yang diubah: bentrok dengan data yang ada "
                f"({exc})."
            ) from exc

    def _load(self, rows, kel_features: dict, kec_features: dict, *, loaded: bool):
        """Insert new rows in bulk and update changed ones: a handful of queries in all. The
        boundaries are fields of the rows they belong to, so they cost no query of their own."""
        counts = {"baru": 0, "diperbarui": 0, "tetap": 0}
        kecamatan_values = {}
        for row in rows:
            kecamatan_values.setdefault(
                row["kecamatan_code"],
                {"name": row["kecamatan"], "slug": slugify(row["kecamatan"])},
            )
        for code, feature in kec_features.items():
            kecamatan_values[code].update(boundary_values(feature))
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
        for code, feature in kel_features.items():
            kelurahan_values[code].update(boundary_values(feature))
        self._sync(Kelurahan, kelurahan_values, counts)
        self.stdout.write(
            f"Wilayah: {len(kecamatan_values)} kecamatan, {len(rows)} kelurahan "
            f"({counts['baru']} baru, {counts['diperbarui']} diperbarui, {counts['tetap']} tetap)."
        )
        if loaded:
            self.stdout.write(
                f"Batas wilayah: {len(kel_features)} kelurahan, {len(kec_features)} kecamatan."
            )
            missing = [
                row["kelurahan"] for row in rows if row["kelurahan_code"] not in kel_features
            ]
            missing += [
                f"Kecamatan {values['name']}"
                for code, values in kecamatan_values.items()
                if code not in kec_features
            ]
            if missing:
                self.stdout.write(
                    f"Tanpa batas di berkas (batas lama tetap): {', '.join(missing)}."
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
