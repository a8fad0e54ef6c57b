"""Time the pages that grow with the data, at one year and at ten years of records.

    # two databases seeded once (they are kept, never dropped):
    #   bk_seed_1y:  seed_demo --years 1    bk_seed: seed_demo --years 10
    .venv/bin/python bench/bench_pages.py \\
        --small postgres://postgres@127.0.0.1:5432/bk_seed_1y \\
        --large postgres://postgres@127.0.0.1:5432/bk_seed [--runs 15] [--page ocds]

    # or one database only (prints its figures, no ratio):
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_pages.py --one

Unlike the other benchmarks this one reads an existing database: seeding ten years takes
minutes. Each page is requested through Django's test client (the whole stack: middleware,
session, templates), once to warm up, then ``--runs`` times; the median and the slowest of
those runs, the number of queries and the size of the answer are printed. With ``--small``
and ``--large`` each database is measured in its own process, one after the other, and the
ratio of the medians is printed. The pages are those issue 12 measured.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (key, user, url; {year} is the last closed year of the data)
PAGES = [
    ("savings", "bappeda", "/laporan/penghematan/?tahun={year}"),
    ("ocds", None, "/pengadaan/data/{year}/ocds.json"),
    ("xlsx", None, "/pengadaan/data/{year}/pembelian.xlsx"),
    ("csv", None, "/pengadaan/data/{year}/pembelian.csv"),
    ("sites", "bappeda", "/laporan/?tahun={year}"),
    ("proposals", "bappeda", "/usulan/"),
    ("orders", "bappeda", "/pengadaan/pesanan/"),
    ("admin_entries", "bappeda", "/admin/proposals/musrenbangentry/"),
    ("admin_audit", "bappeda", "/admin/bangkit/auditevent/"),
    ("admin_proposals", "bappeda", "/admin/proposals/proposal/"),
    ("admin_workdays", "bappeda", "/admin/reporting/workday/"),
    ("admin_photos", "bappeda", "/admin/reporting/progressphoto/"),
    ("ranking", "camat", "/verifikasi/prioritas/?tahun={year}"),
]


def measure(runs: int, only: list[str]) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangkit.settings")
    os.environ.setdefault("DEBUG", "True")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bangkit.models import FiscalYear, Role, User

    settings.ALLOWED_HOSTS = ["*"]
    year = (
        FiscalYear.objects.filter(status=FiscalYear.Status.CLOSED)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    users = {
        "bappeda": User.objects.get(username="bappeda"),
        # The camat with the most proposals waiting in the year.
        "camat": User.objects.filter(role=Role.KECAMATAN).order_by("username").first(),
    }
    clients = {}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)
    clients[None] = Client()
    figures = {"year": year, "pages": {}}
    for key, who, url in PAGES:
        if only and key not in only:
            continue
        client = clients[who]
        path = url.format(year=year)
        response = client.get(path)  # warm up: caches, templates, the connection
        if response.status_code != 200:
            figures["pages"][key] = {"error": response.status_code, "url": path}
            continue
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                body = b"".join(response) if response.streaming else response.content
                times.append((time.perf_counter() - started) * 1000)
        figures["pages"][key] = {
            "url": path,
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
            "queries": len(queries),
            "kb": round(len(body) / 1024, 1),
        }
    # The exports of a closed year are kept (procurement.exports.kept_export): time the
    # build itself too, without the cache, as the first request after a change pays it.
    from procurement import exports

    builds = {
        "ocds_build": lambda: json.dumps(exports.ocds_package(year, uri="u"), ensure_ascii=False),
        "xlsx_build": lambda: exports.purchases_xlsx(year),
        "csv_build": lambda: exports.purchases_csv(year),
    }
    for key, build in builds.items():
        if only and key not in only:
            continue
        build()
        times = []
        for _ in range(max(3, runs // 3)):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                body = build()
                times.append((time.perf_counter() - started) * 1000)
        figures["pages"][key] = {
            "url": "(no cache)",
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
            "queries": len(queries),
            "kb": round(len(body) / 1024, 1),
        }
    from django.db import connection as conn

    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bangkit_auditevent")
        figures["audit_rows"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM proposals_musrenbangentry")
        figures["entries"] = cursor.fetchone()[0]
    return figures


def print_one(label: str, figures: dict) -> None:
    print(
        f"== {label}: {figures['entries']} Musrenbang entries, {figures['audit_rows']} audit "
        f"rows, year {figures['year']}"
    )
    for key, row in figures["pages"].items():
        if "error" in row:
            print(f"{key:<16} HTTP {row['error']} {row['url']}")
            continue
        print(
            f"{key:<16} {row['median_ms']:8.1f} ms median {row['max_ms']:8.1f} ms max "
            f"{row['queries']:5d} queries {row['kb']:8.1f} KB"
        )


def run_child(url: str, runs: int, only: list[str]) -> dict:
    env = dict(os.environ, DATABASE_URL=url, DEBUG="True")
    args = [sys.executable, __file__, "--one", "--json", "--runs", str(runs)]
    for key in only:
        args += ["--page", key]
    out = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"measuring {url} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", help="database URL with one year of data")
    parser.add_argument("--large", help="database URL with ten years of data")
    parser.add_argument("--one", action="store_true", help="measure DATABASE_URL only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--page", action="append", default=[], help="only this page (key)")
    args = parser.parse_args()
    if args.one:
        figures = measure(args.runs, args.page)
        if args.json:
            print(json.dumps(figures))
        else:
            print_one(os.environ.get("DATABASE_URL", "default"), figures)
        return 0
    if not (args.small and args.large):
        # Run by bench/run.py with nothing seeded: say what it needs instead of failing.
        print("bench_pages: needs databases seeded with `seed_demo --years N`; see --help")
        return 0
    print(f"load average before: {os.getloadavg()}")
    small = run_child(args.small, args.runs, args.page)
    large = run_child(args.large, args.runs, args.page)
    print_one("1 year", small)
    print_one("10 years", large)
    print(f"load average after: {os.getloadavg()}")
    print(f"\n{'page':<16} {'1 year':>10} {'10 years':>10} {'ratio':>7} {'queries':>9}")
    worst = 0.0
    for key, row in large["pages"].items():
        base = small["pages"].get(key, {})
        if "median_ms" not in row or "median_ms" not in base:
            print(f"{key:<16} error")
            continue
        ratio = row["median_ms"] / base["median_ms"]
        worst = max(worst, ratio)
        print(
            f"{key:<16} {base['median_ms']:8.1f} ms {row['median_ms']:8.1f} ms {ratio:6.2f}x "
            f"{base['queries']:4d}/{row['queries']:<4d}"
        )
    print(f"worst ratio {worst:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
