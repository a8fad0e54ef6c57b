"""Time Bappeda's city dashboard and the Walikota's annual report PDF on an existing database.

    # the ten-year database (seed_demo --years 10), kept, never dropped:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bk_seed \\
        .venv/bin/python bench/bench_dashboards.py [--runs 15] [--only latest,decade] [--no-pdf]

Like bench_pages.py this one reads an existing database (seeding ten years takes minutes) and
writes nothing to it but the Bappeda user's session. The shared cache is replaced by a
process-local one (``locmemcache://``) so clearing it touches no one else's entries.

For each filter (the last closed year, the ten years up to it, one kecamatan over the ten
years, one work type over the ten years) ``/dasbor/`` is requested through Django's test
client (the whole stack: middleware, session, filters, figures, templates), once to warm up,
then ``--runs`` times with the dashboard cache cleared before each request (*uncached*) and
``--runs`` times without clearing it (*cached*); medians and 95th percentiles are printed,
with the number of queries.

The *bare SQL* is the same figures written by hand as raw SQL (below: the funnel, money,
contributions, people, time per stage and the per-kelurahan figures of the map, i.e. every
grouped query of the page except the savings estimate, the equity and slum tables and the
filter form's look-ups), run through the same connection in the same process, fetching the
rows and nothing more; the ratio page ÷ bare SQL is what issue 12 bounds at 2×.

Last, the annual report PDF of the last closed year is rendered (``--pdf-runs`` times, cache
cleared before each) through its URL.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MEDIAN_MS = 50
TARGET_P95_MS = 150
TARGET_RATIO = 2.0
TARGET_PDF_S = 3.0


def p95(times: list[float]) -> float:
    """The 95th percentile, linear between the closest ranks."""
    values = sorted(times)
    position = 0.95 * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def bare_sql(year_from: int, year_to: int, kecamatan: int | None, work_type: int | None):
    """The raw SQL of the dashboard's figures for a city-wide user: [(name, sql, params)]."""
    from dashboards.figures import FUNNEL, MAIN_PATH, OFF_PATH, STEP_NAMES, TIME_STAGES
    from proposals.states import COMMITTED_STATES

    committed = _in(COMMITTED_STATES)
    # Grouped by kecamatan for the city, by kelurahan within one kecamatan (filters.level).
    area = "k.id" if kecamatan else "k.kecamatan_id"
    where = ["fy.year BETWEEN %s AND %s"]
    params = [year_from, year_to]
    entry_where = ["e.year BETWEEN %s AND %s"]
    entry_params = [year_from, year_to]
    if kecamatan:
        where.append("k.kecamatan_id = %s")
        params.append(kecamatan)
        entry_where.append("k.kecamatan_id = %s")
        entry_params.append(kecamatan)
    if work_type:
        where.append("p.work_type_id = %s")
        params.append(work_type)
        entry_where.append("e.work_type_id = %s")
        entry_params.append(work_type)
    where = " AND ".join(where)
    entry_where = " AND ".join(entry_where)
    proposals = (
        "proposals_proposal p JOIN bangkit_fiscalyear fy ON fy.id = p.fiscal_year_id "
        "JOIN bangkit_kelurahan k ON k.id = p.kelurahan_id"
    )
    steps = _in(s.transition for s in FUNNEL)
    firsts = ", ".join(
        f"MIN(t.created_at) FILTER (WHERE t.transition = '{name}') AS t_{name}"
        for name in STEP_NAMES
    )
    quantiles = ", ".join(
        f"COUNT(EXTRACT(EPOCH FROM (t_{b} - t_{a}))), "
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (t_{b} - t_{a}))), "
        f"percentile_cont(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (t_{b} - t_{a})))"
        for _, a, b in TIME_STAGES
    )
    envelope_where = "fy.year BETWEEN %s AND %s AND " + (
        "b.kelurahan_id IS NOT NULL AND b.kecamatan_id = %s"
        if kecamatan
        else "b.kelurahan_id IS NULL"
    )
    envelope_area = "b.kelurahan_id" if kecamatan else "b.kecamatan_id"
    assert MAIN_PATH and OFF_PATH
    return [
        (
            "funnel: proposals by year, area, state",
            f"SELECT fy.year, {area}, p.state, COUNT(*) FROM {proposals} WHERE {where} "
            "GROUP BY 1, 2, 3",
            params,
        ),
        (
            "funnel: off-path proposals by the steps they passed",
            f"SELECT fy.year, {area}, t.transition, COUNT(DISTINCT t.proposal_id) "
            f"FROM proposals_transitionlog t JOIN {proposals} ON p.id = t.proposal_id "
            f"WHERE {where} AND p.state IN {_in(OFF_PATH)} AND t.transition IN {steps} "
            "GROUP BY 1, 2, 3",
            params,
        ),
        (
            "funnel: Musrenbang entries by year, area",
            "SELECT e.year, "
            + ("k.id" if kecamatan else "k.kecamatan_id")
            + ", COUNT(*) FROM proposals_musrenbangentry e "
            f"JOIN bangkit_kelurahan k ON k.id = e.kelurahan_id WHERE {entry_where} "
            "GROUP BY 1, 2",
            entry_params,
        ),
        (
            "money: committed, ordered, delivered, paid by year, area",
            f"SELECT fy.year, {area}, "
            f"SUM(GREATEST(CASE WHEN p.state IN {committed} "
            "THEN COALESCE(p.designated_budget, 0) ELSE 0 END, p.ordered_amount)), "
            "SUM(p.ordered_amount), SUM(p.delivered_amount), SUM(p.paid_amount) "
            f"FROM {proposals} WHERE {where} "
            f"AND (p.state IN {committed} OR p.ordered_amount > 0) GROUP BY 1, 2",
            params,
        ),
        (
            "money: pagu by year, area",
            f"SELECT fy.year, {envelope_area}, b.amount FROM bangkit_budgetenvelope b "
            f"JOIN bangkit_fiscalyear fy ON fy.id = b.fiscal_year_id WHERE {envelope_where}",
            [year_from, year_to, *([kecamatan] if kecamatan else [])],
        ),
        (
            "money: contributions by year, kind",
            "SELECT fy.year, c.kind, SUM(c.value) FROM reporting_swadayacontribution c "
            f"JOIN {proposals} ON p.id = c.proposal_id WHERE {where} GROUP BY 1, 2",
            params,
        ),
        (
            "people: attendance, women, person-hours by year, area",
            f"SELECT fy.year, fy.daily_wage, {area}, SUM(w.men + w.women), SUM(w.women), "
            "SUM((w.men + w.women) * w.hours) FROM reporting_workday w "
            f"JOIN {proposals} ON p.id = w.proposal_id WHERE {where} GROUP BY 1, 2, 3",
            params,
        ),
        (
            "time: median and p90 days per stage and year",
            f"SELECT y, {quantiles} FROM (SELECT t.proposal_id, fy.year AS y, {firsts} "
            f"FROM proposals_transitionlog t JOIN {proposals} ON p.id = t.proposal_id "
            f"WHERE {where} AND t.transition IN {_in(STEP_NAMES)} "
            "GROUP BY t.proposal_id, fy.year) s GROUP BY y",
            params,
        ),
        (
            "map: proposals per kelurahan",
            f"SELECT p.kelurahan_id, COUNT(*) FILTER (WHERE p.state IN {committed}), "
            "COUNT(*) FILTER (WHERE p.state = 'completed'), "
            f"SUM(GREATEST(CASE WHEN p.state IN {committed} "
            "THEN COALESCE(p.designated_budget, 0) ELSE 0 END, p.ordered_amount)) "
            f"FILTER (WHERE p.state IN {committed} OR p.ordered_amount > 0), "
            f"SUM(p.paid_amount) FROM {proposals} WHERE {where} GROUP BY 1",
            params,
        ),
        (
            "map: Musrenbang entries per kelurahan",
            "SELECT e.kelurahan_id, COUNT(*) FROM proposals_musrenbangentry e "
            f"JOIN bangkit_kelurahan k ON k.id = e.kelurahan_id WHERE {entry_where} GROUP BY 1",
            entry_params,
        ),
        (
            "map: contributions per kelurahan",
            "SELECT p.kelurahan_id, SUM(c.value) FROM reporting_swadayacontribution c "
            f"JOIN {proposals} ON p.id = c.proposal_id WHERE {where} GROUP BY 1",
            params,
        ),
        (
            "map: person-hours per kelurahan",
            "SELECT p.kelurahan_id, SUM((w.men + w.women) * w.hours) FROM reporting_workday w "
            f"JOIN {proposals} ON p.id = w.proposal_id WHERE {where} GROUP BY 1",
            params,
        ),
    ]


def measure(runs: int, only: list[str], pdf: bool, pdf_runs: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangkit.settings")
    os.environ.setdefault("DEBUG", "True")
    # A process-local cache: clearing it before each request touches no shared entry.
    os.environ["CACHE_URL"] = "locmemcache://dashbench"
    import django

    django.setup()
    # WeasyPrint's font subsetting logs every glyph at INFO: keep the figures readable.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from django.conf import settings
    from django.contrib.auth import user_logged_in
    from django.contrib.auth.models import update_last_login
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bangkit.models import FiscalYear, Kecamatan, User, WorkType

    settings.ALLOWED_HOSTS = ["*"]
    user_logged_in.disconnect(update_last_login)  # write nothing to the shared database
    year = (
        FiscalYear.objects.filter(status=FiscalYear.Status.CLOSED)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    first = max(year - 9, FiscalYear.objects.order_by("year").values_list("year", flat=True)[0])
    kecamatan = Kecamatan.objects.order_by("pk").values_list("pk", flat=True)[0]
    work_type = WorkType.objects.order_by("pk").values_list("pk", flat=True)[0]
    client = Client()
    client.force_login(User.objects.get(username="bappeda"))
    cases = [
        ("latest", f"tahun={year}", (year, year, None, None)),
        ("decade", f"dari={first}&sampai={year}", (first, year, None, None)),
        (
            "kecamatan",
            f"dari={first}&sampai={year}&kecamatan={kecamatan}",
            (first, year, kecamatan, None),
        ),
        (
            "work_type",
            f"dari={first}&sampai={year}&jenis={work_type}",
            (first, year, None, work_type),
        ),
    ]
    figures = {"year": year, "first": first, "cases": {}}
    for key, query, sql_args in cases:
        if only and key not in only:
            continue
        path = f"/dasbor/?{query}"
        cache.clear()
        response = client.get(path)  # warm up: templates, the connection, the boundaries
        if response.status_code != 200:
            figures["cases"][key] = {"error": response.status_code, "url": path}
            continue
        row = {"url": path}
        for mode in ("uncached", "cached"):
            times = []
            for _ in range(runs):
                if mode == "uncached":
                    cache.clear()
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(path)
                    body = response.content
                    times.append((time.perf_counter() - started) * 1000)
            row[mode] = {
                "median_ms": statistics.median(times),
                "p95_ms": p95(times),
                "queries": len(queries),
                "sql_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
            }
        row["kb"] = len(body) / 1024
        statements = bare_sql(*sql_args)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for _name, sql, params in statements:
                    cursor.execute(sql, params)
                    cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
        row["bare"] = {
            "median_ms": statistics.median(times),
            "p95_ms": p95(times),
            "queries": len(statements),
        }
        row["ratio"] = row["uncached"]["median_ms"] / row["bare"]["median_ms"]
        figures["cases"][key] = row
    if pdf:
        path = f"/dasbor/laporan-walikota/{year}.pdf?tahun={year}"
        cache.clear()
        response = client.get(path)
        if response.status_code != 200:
            figures["pdf"] = {"error": response.status_code, "url": path}
        else:
            times, cpu = [], []
            for _ in range(pdf_runs):
                cache.clear()
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            figures["pdf"] = {
                "url": path,
                "median_s": statistics.median(times),
                "max_s": max(times),
                "cpu_s": statistics.median(cpu),
                "kb": len(response.content) / 1024,
            }
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM proposals_proposal")
        figures["proposals"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM proposals_transitionlog")
        figures["logs"] = cursor.fetchone()[0]
    return figures


def report(figures: dict) -> int:
    """Print the figures; the number of targets missed is the exit code."""
    print(
        f"== {figures['proposals']} proposals, {figures['logs']} transition-log rows; "
        f"last closed year {figures['year']}, range {figures['first']}–{figures['year']}"
    )
    missed = 0
    for key, row in figures["cases"].items():
        if "error" in row:
            print(f"{key:<10} HTTP {row['error']} {row['url']}")
            missed += 1
            continue
        print(f"{key:<10} {row['url']}  ({row['kb']:.0f} KB)")
        for mode in ("uncached", "cached", "bare"):
            m = row[mode]
            sql = f", SQL {m['sql_ms']:6.1f} ms" if "sql_ms" in m else ""
            print(
                f"  {mode:<9}{m['median_ms']:8.1f} ms median {m['p95_ms']:8.1f} ms p95 "
                f"{m['queries']:4d} queries{sql}"
            )
        ok = (
            row["uncached"]["median_ms"] <= TARGET_MEDIAN_MS
            and row["uncached"]["p95_ms"] <= TARGET_P95_MS
            and row["ratio"] <= TARGET_RATIO
        )
        missed += not ok
        print(
            f"  ratio uncached ÷ bare SQL {row['ratio']:.2f}× (target ≤ {TARGET_RATIO}×; "
            f"median ≤ {TARGET_MEDIAN_MS} ms, p95 ≤ {TARGET_P95_MS} ms: "
            f"{'met' if ok else 'MISSED'})"
        )
    if "pdf" in figures:
        pdf = figures["pdf"]
        if "error" in pdf:
            print(f"pdf        HTTP {pdf['error']} {pdf['url']}")
            missed += 1
        else:
            ok = pdf["median_s"] <= TARGET_PDF_S
            missed += not ok
            print(
                f"pdf        {pdf['url']}: {pdf['median_s']:.2f} s median, {pdf['max_s']:.2f} s "
                f"max, {pdf['cpu_s']:.2f} s CPU, {pdf['kb']:.0f} KB "
                f"(target < {TARGET_PDF_S} s: {'met' if ok else 'MISSED'})"
            )
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pdf-runs", type=int, default=3)
    parser.add_argument("--only", default="", help="latest,decade,kecamatan,work_type")
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        print("DATABASE_URL: the database with the years to read (seed_demo --years 10)")
        return 0  # bench/run.py runs every script: without a seeded database, nothing to do
    only = [k for k in args.only.split(",") if k]
    figures = measure(args.runs, only, not args.no_pdf, args.pdf_runs)
    return 1 if report(figures) else 0


if __name__ == "__main__":
    sys.exit(main())
