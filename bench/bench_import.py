"""Time `import_musrenbang` on a generated 6,000-row file: first import, then the same again.

    .venv/bin/python bench/bench_import.py [--rows 6000]

Runs on a temporary SQLite database. With DATABASE_URL pointing at PostgreSQL it creates a
throwaway database on that server (the database in the URL is never touched) and drops it
afterwards. With DATABASE_URL pointing at SQLite it uses that file as is.
"""

import argparse
import contextlib
import csv
import io
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2026


def scratch_postgres(url: str) -> tuple[str, callable]:
    """Create an empty database next to the one in `url`; return its URL and a dropper."""
    import psycopg2

    parts = urlsplit(url)
    name = f"bangkit_bench_{os.getpid()}"
    admin = psycopg2.connect(
        dbname=(parts.path.lstrip("/") or "postgres"),
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def configure(tmp: Path) -> callable:
    """Point Django at the benchmark database before it is set up."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangkit.settings")
    # Production-like: DEBUG off (no query log in memory), a throwaway key for this process.
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    given = os.environ.get("DATABASE_URL", "")
    cleanup = lambda: None  # noqa: E731
    if given.startswith(("postgres://", "postgresql://", "pgsql://")):
        os.environ["DATABASE_URL"], cleanup = scratch_postgres(given)
    elif not given:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django

    django.setup()
    return cleanup


def generate(path: Path, count: int, *, seed: int = 6000, cost_bump: float = 0.0) -> None:
    """A Musrenbang file as cities send it: mixed spellings of RT, money and decimals."""
    from bangkit.models import Kelurahan

    rng = random.Random(seed)
    places = list(Kelurahan.objects.select_related("kecamatan").order_by("code"))
    kinds = [
        ("Rabat beton", "m", "Pembangunan rabat beton gang {g} RT {rt:02d}"),
        ("Drainase", "m", "Pembangunan drainase gang {g}"),
        ("Gorong-gorong", "unit", "Pembuatan gorong-gorong gang {g}"),
        ("Talud", "m", "Pembangunan talud tepi parit gang {g}"),
        ("MCK", "unit", "Pembangunan MCK umum RT {rt:02d}"),
        ("Pos ronda", "unit", "Pembangunan pos ronda RT {rt:02d}"),
        ("Lampu jalan", "titik", "Pemasangan lampu jalan gang {g}"),
    ]
    gangs = ["Melati", "Kenanga", "Mawar", "Anggrek", "Dahlia", "Cempaka", "Seroja", "Damai"]
    header = ["ID Usulan", "Kecamatan", "Kelurahan", "RT", "Usulan", "Permasalahan"]
    header += ["Jenis Kegiatan", "Lokasi", "Volume", "Satuan", "Perkiraan Biaya (Rp)"]
    header += ["Prioritas", "Pengusul", "Latitude", "Longitude"]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        for n in range(count):
            place = places[n % len(places)]
            rt = rng.randint(1, 40)
            kind, unit, title = rng.choice(kinds)
            gang = rng.choice(gangs)
            cost = rng.randint(300, 1900) * 50_000
            if rng.random() < cost_bump:
                cost += 50_000
            grouped = f"{cost:,}".replace(",", ".")
            volume = rng.randint(20, 250) + rng.choice([0, 0.5])
            lat = lon = ""
            if rng.random() < 0.4:
                lat = f"{rng.uniform(-1.65, -1.58):.6f}".replace(".", ",")
                lon = f"{rng.uniform(103.57, 103.66):.6f}".replace(".", ",")
            writer.writerow(
                [
                    f"MR-{YEAR}-{n + 1:05d}",
                    place.kecamatan.name,
                    place.name,
                    rng.choice([str(rt), f"{rt:02d}", f"RT {rt:02d}", f"RT.{rt:03d}"]),
                    title.format(g=gang, rt=rt),
                    "Jalan becek dan parit tersumbat saat hujan",
                    kind,
                    f"Gang {gang} RT {rt:02d}",
                    f"{volume:g}".replace(".", ","),
                    unit,
                    rng.choice([str(cost), grouped, f"Rp {grouped},00"]),
                    rng.randint(1, 5),
                    f"Ketua RT {rt:02d}",
                    lat,
                    lon,
                ]
            )


def timed(label: str, *args) -> float:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        call_command("import_musrenbang", *args, stdout=out, stderr=out)
    except CommandError as exc:
        print(out.getvalue())
        raise SystemExit(f"{label}: {exc}") from exc
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    counts = ", ".join(
        line.strip() for line in out.getvalue().splitlines() if line.startswith("  ")
    )
    # CPU time of this process too: on a busy machine the wall clock also counts waiting.
    print(f"{label:<30} {seconds:6.2f} s wall {cpu:6.2f} s cpu   {counts}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6000)
    options = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bangkit-bench-"))
    cleanup = configure(tmp)
    try:
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        with contextlib.redirect_stdout(io.StringIO()):
            call_command("load_regions", verbosity=0)
        file = tmp / f"musrenbang_{options.rows}.csv"
        changed = tmp / f"musrenbang_{options.rows}_changed.csv"
        generate(file, options.rows)
        generate(changed, options.rows, cost_bump=0.1)

        print(
            f"Musrenbang import benchmark: {options.rows} rows, "
            f"{connection.vendor} ({connection.settings_dict['NAME']})"
        )
        # Only the regions are loaded: the first import registers the file's RTs as well.
        timed("first import (all new)", str(file), "--year", str(YEAR), "--create-rts")
        timed("second import (idempotent)", str(file), "--year", str(YEAR))
        timed("third import (~10% changed)", str(changed), "--year", str(YEAR))
        timed("dry run (original file again)", str(file), "--year", str(YEAR), "--dry-run")
    finally:
        from django.db import connections

        connections.close_all()
        cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
