"""Time Bappeda's city dashboard and the Walikota's annual report PDF on an existing database.

    # the ten-year database (seed_demo --years 10), kept, never dropped:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bk_seed \\
        .venv/bin/python bench/bench_dashboards.py [--runs 15] [--only latest,decade] [--no-pdf]

Like bench_pages.py this one reads an existing database (seeding ten years takes minutes) and
writes nothing to it but the Bappeda user's session. The shared cache is replaced by a
process-local one (``locmemcache://``) so clearing it touches no one else's entries.

The closed years are read from their summary rows (dashboards.summary): build them first on
your copy (`manage.py build_dashboard_summary`); the header line says which years have them.

For each filter (the last closed year, the ten years up to it, one kecamatan, one kelurahan
and one work type over the ten years, the ten years plus the open year, and the open year
alone: the page Bappeda sees first once that year has records) ``/dasbor/`` is
requested through Django's test client (the whole stack: middleware, session, filters,
figures, templates), once to warm up, then ``--runs`` times with the dashboard cache cleared
before each request (*uncached*) and ``--runs`` times without clearing it (*cached*); medians
and 95th percentiles are printed, with the number of queries.

The *bare SQL* is the same figures written by hand as raw SQL over the same stored rows the
page reads: for the closed years, every figure of the page from the summary rows
(``summary_sql``: funnel, entries, money and pagu, contributions, savings, people, output,
time per stage, reach and repeated RTs, slums, the map's per-kelurahan figures, area names
and RT counts; the additive figures from the stored sums per kelurahan and work type, as
the page reads them, the repeated RTs from the funded RTs' ids each cell keeps); for the
years without summary rows (the open year), the live records (``bare_sql``: funnel, money,
contributions, people, time per stage, map; not savings, equity and slums). It runs
through the same connection in the same process, fetching the rows and nothing more; the
ratio page ÷ bare SQL is what issue 12 bounds at 2×.

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


def _conditions(years, entry_years, rows: str, kecamatan, kelurahan, work_type) -> tuple:
    """The WHERE of the proposal rows (alias `rows`, kelurahan k) and of the entries (e):
    the years, then the area and the work type of the filters."""
    where, params = [years[0]], list(years[1])
    entry_where, entry_params = [entry_years[0]], list(entry_years[1])
    for condition, entry_condition, value in (
        (f"{rows}.kelurahan_id = %s", "e.kelurahan_id = %s", kelurahan),
        ("k.kecamatan_id = %s", "k.kecamatan_id = %s", None if kelurahan else kecamatan),
        (f"{rows}.work_type_id = %s", "e.work_type_id = %s", work_type),
    ):
        if value:
            where.append(condition)
            params.append(value)
            entry_where.append(entry_condition)
            entry_params.append(value)
    return " AND ".join(where), params, " AND ".join(entry_where), entry_params


def summary_sql(
    years: list[int],
    year_to: int,
    kecamatan: int | None,
    kelurahan: int | None,
    work_type: int | None,
):
    """The raw SQL of every figure of the dashboard for a city-wide user, read from the closed
    years' summary rows (dashboards.models) the page reads, hand-written: [(name, sql,
    params)]. The same figures as the page: funnel, entries, money and pagu, contributions,
    savings, people, output, time per stage, reach and repeated RTs, slums, the map's
    per-kelurahan figures, and the area names and RT counts the tables need."""
    area = "k.id" if (kecamatan or kelurahan) else "k.kecamatan_id"
    in_years = "(" + ", ".join(str(int(y)) for y in years) + ")"
    # The stored sums per (year, kelurahan, work type or all) the page reads for every
    # figure that adds up: the filters' work type, or the cells of all work types.
    cell_where, cell_params, _, _ = _conditions(
        (f"fy.year IN {in_years}", []),
        (f"e.year IN {in_years}", []),
        "c",
        kecamatan,
        kelurahan,
        work_type,
    )
    all_types = "" if work_type else " AND c.work_type_id IS NULL"
    cells = (
        "dashboards_cellsummary c JOIN bangkit_fiscalyear fy ON fy.id = c.fiscal_year_id "
        "JOIN bangkit_kelurahan k ON k.id = c.kelurahan_id"
    )
    by_type_where = cell_where + ("" if work_type else " AND c.work_type_id IS NOT NULL")
    cell_where += all_types
    kinds = ("cash", "materials", "labour", "food", "equipment")
    gifts = " + ".join(f"COALESCE(c.c_contrib_{k}, 0)" for k in kinds)
    stage_cell = (
        "t.kelurahan_id = %s AND t.kecamatan_id IS NULL"
        if kelurahan
        else "t.kelurahan_id IS NULL AND "
        + ("t.kecamatan_id = %s" if kecamatan else "t.kecamatan_id IS NULL")
    ) + (" AND t.work_type_id = %s" if work_type else " AND t.work_type_id IS NULL")
    stage_params = [a for a in (kelurahan or kecamatan, work_type) if a]
    kel_where = "WHERE " + ("k.id = %s" if kelurahan else "k.kecamatan_id = %s")
    kel_params = [kelurahan or kecamatan] if (kelurahan or kecamatan) else []
    if not kel_params:
        kel_where = ""
    if kelurahan:
        envelope_where = f"fy.year IN {in_years} AND b.kelurahan_id = %s"
    elif kecamatan:
        # The kelurahan shares and the kecamatan's own envelope (for the years not split).
        envelope_where = f"fy.year IN {in_years} AND b.kecamatan_id = %s"
    else:
        envelope_where = f"fy.year IN {in_years} AND b.kelurahan_id IS NULL"
    envelope_area = "b.kelurahan_id" if (kecamatan or kelurahan) else "b.kecamatan_id"
    reached = ", ".join(
        f"SUM(c.r_{k})"
        for k in (
            "diajukan",
            "verifikasi_kelurahan",
            "verifikasi_kecamatan",
            "ditetapkan",
            "selesai",
        )
    )
    return [
        (
            "funnel: Musrenbang entries and stages reached by year, area",
            f"SELECT fy.year, {area}, SUM(c.entries), {reached} FROM {cells} "
            f"WHERE {cell_where} GROUP BY 1, 2",
            cell_params,
        ),
        (
            "money: committed, ordered, delivered, paid by year, area",
            f"SELECT fy.year, {area}, SUM(c.b_committed), SUM(c.b_ordered), "
            f"SUM(c.b_delivered), SUM(c.b_paid) FROM {cells} WHERE {cell_where} "
            "AND c.b_n > 0 GROUP BY 1, 2",
            cell_params,
        ),
        (
            "money: pagu by year, area",
            f"SELECT fy.year, {envelope_area}, b.amount FROM bangkit_budgetenvelope b "
            f"JOIN bangkit_fiscalyear fy ON fy.id = b.fiscal_year_id WHERE {envelope_where}",
            [a for a in (kelurahan or kecamatan,) if a],
        ),
        (
            "money: contributions by year, kind",
            "SELECT fy.year, SUM(c.c_contrib_cash), SUM(c.c_contrib_materials), "
            "SUM(c.c_contrib_labour), SUM(c.c_contrib_food), SUM(c.c_contrib_equipment) "
            f"FROM {cells} WHERE {cell_where} AND c.c_n > 0 GROUP BY 1",
            cell_params,
        ),
        (
            "savings: completed sites by year",
            "SELECT fy.id, fy.year, fy.daily_wage, SUM(c.d_n), SUM(c.d_materials), "
            "SUM(c.d_person_hours), SUM(c.d_contrib_materials), SUM(c.d_contrib_labour), "
            f"SUM(c.d_contrib_equipment) FROM {cells} WHERE {cell_where} AND c.d_n > 0 "
            "GROUP BY 1, 2, 3",
            cell_params,
        ),
        (
            "savings: the years' contractor parameters",
            "SELECT c.* FROM reporting_contractorcostparameters c "
            f"JOIN bangkit_fiscalyear fy ON fy.id = c.fiscal_year_id WHERE fy.year IN {in_years}",
            [],
        ),
        (
            "people: funded sites, participants, beneficiaries by year, area",
            f"SELECT fy.year, {area}, SUM(c.f_n), SUM(c.f_participants), "
            "SUM(c.f_households), SUM(c.f_people) "
            f"FROM {cells} WHERE {cell_where} AND c.f_n > 0 GROUP BY 1, 2",
            cell_params,
        ),
        (
            "people: attendance, women, person-hours by year, area",
            f"SELECT fy.year, fy.daily_wage, {area}, SUM(c.w_attendance), SUM(c.w_women), "
            f"SUM(c.w_hours) FROM {cells} WHERE {cell_where} AND c.w_n > 0 "
            "GROUP BY 1, 2, 3",
            cell_params,
        ),
        (
            "output: by work type",
            "SELECT c.work_type_id, w.name, w.unit, SUM(c.f_n), SUM(c.f_planned), "
            "SUM(c.fd_n), SUM(c.fd_planned), SUM(c.fd_realised) "
            f"FROM {cells} JOIN bangkit_worktype w ON w.id = c.work_type_id "
            f"WHERE {by_type_where} GROUP BY 1, 2, 3 HAVING SUM(c.f_n) > 0 ORDER BY 2",
            cell_params,
        ),
        (
            "time: median and p90 days per stage and year",
            "SELECT fy.year, t.stage, t.n, t.median, t.p90 FROM dashboards_stagesummary t "
            f"JOIN bangkit_fiscalyear fy ON fy.id = t.fiscal_year_id "
            f"WHERE fy.year IN {in_years} AND {stage_cell}",
            stage_params,
        ),
        (
            "equity: kelurahan in scope",
            "SELECT k.id, k.name, k.valid_from_year, k.valid_until_year FROM bangkit_kelurahan k "
            f"{kel_where} ORDER BY k.code",
            kel_params,
        ),
        (
            "equity: active RTs per kelurahan",
            "SELECT r.kelurahan_id, COUNT(*) FROM bangkit_rt r JOIN bangkit_kelurahan k "
            f"ON k.id = r.kelurahan_id {kel_where or 'WHERE TRUE'} AND r.active GROUP BY 1",
            kel_params,
        ),
        (
            "equity: kelurahan and RTs reached by year",
            "SELECT fy.year, COUNT(*) FILTER (WHERE c.f_n > 0), "
            f"SUM(jsonb_array_length(c.f_rt_ids)) FROM {cells} WHERE {cell_where} GROUP BY 1",
            cell_params,
        ),
        (
            "equity: funded RTs and their years",
            "SELECT c.kelurahan_id, f.rt_id, r.number, COUNT(*) FROM "
            f"{cells} CROSS JOIN LATERAL jsonb_array_elements_text(c.f_rt_ids) AS f(rt_id) "
            f"JOIN bangkit_rt r ON r.id = f.rt_id::int WHERE {cell_where} GROUP BY 1, 2, 3",
            cell_params,
        ),
        (
            "slums: areas in scope",
            "SELECT a.* FROM bangkit_slumarea a JOIN bangkit_kelurahan k ON k.id = a.kelurahan_id "
            f"{kel_where}",
            kel_params,
        ),
        (
            "slums: completed sites by year, kelurahan up to the last year",
            f"SELECT fy.year, c.kelurahan_id, c.d_n FROM {cells} "
            "WHERE fy.year <= %s AND c.d_n > 0"
            + "".join(" AND " + w for w in cell_where.split(" AND ")[1:]),
            [year_to, *cell_params],
        ),
        (
            "map: figures per kelurahan",
            "SELECT c.kelurahan_id, SUM(c.entries), SUM(c.f_n), SUM(c.d_n), "
            "COALESCE(SUM(c.b_committed), 0), "
            f"SUM(c.paid), SUM({gifts}), SUM(c.hours), SUM(c.wd) FROM {cells} "
            f"WHERE {cell_where} GROUP BY 1",
            cell_params,
        ),
        (
            "areas: kecamatan names",
            "SELECT id, name FROM bangkit_kecamatan ORDER BY code",
            [],
        ),
    ]


def bare_sql(year_from: int, year_to: int, kecamatan: int | None, work_type: int | None):
    """The raw SQL of the dashboard's figures for a city-wide user, live from the records
    (the open years' part of a range): [(name, sql, params)]."""
    from dashboards.figures import FUNNEL, MAIN_PATH, OFF_PATH, STEP_NAMES, TIME_STAGES
    from proposals.states import COMMITTED_STATES

    committed = _in(COMMITTED_STATES)
    # Grouped by kecamatan for the city, by kelurahan within one kecamatan (filters.level).
    area = "k.id" if kecamatan else "k.kecamatan_id"
    where, params, entry_where, entry_params = _conditions(
        ("fy.year BETWEEN %s AND %s", [year_from, year_to]),
        ("e.year BETWEEN %s AND %s", [year_from, year_to]),
        "p",
        kecamatan,
        None,
        work_type,
    )
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


def statements_for(summarized, year_from, year_to, kecamatan, kelurahan, work_type) -> list:
    """The bare SQL of a case: the closed years' summary rows, and the live records of the
    years without summary rows (the open year)."""
    closed = [y for y in range(year_from, year_to + 1) if y in summarized]
    open_years = [y for y in range(year_from, year_to + 1) if y not in summarized]
    statements = []
    if closed:
        statements += summary_sql(closed, year_to, kecamatan, kelurahan, work_type)
    if open_years:
        assert kelurahan is None, "the live bare SQL has no kelurahan filter"
        statements += bare_sql(min(open_years), max(open_years), kecamatan, work_type)
    return statements


def _timed(connection, statements: list, runs: int) -> dict:
    """Run the statements `runs` times through the connection, fetching every row."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for _name, sql, params in statements:
                cursor.execute(sql, params)
                cursor.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": statistics.median(times), "p95_ms": p95(times), "queries": len(statements)}


def measure(runs: int, only: list[str], pdf: bool, pdf_runs: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangkit.settings")
    # As the site runs: DEBUG off (debug mode records every query and template origin,
    # about a third of the page's Python). A key for this process only; no static manifest
    # (collectstatic) is needed for pages through the test client, nor the HTTPS redirect.
    os.environ.setdefault("DEBUG", "False")
    os.environ.setdefault("SECRET_KEY", "bench-only-" + os.urandom(24).hex())
    # A process-local cache: clearing it before each request touches no shared entry.
    os.environ["CACHE_URL"] = "locmemcache://dashbench"
    import django

    django.setup()
    # Loaded as the server loads it: bangkit.wsgi also sets the garbage collector for a
    # long-running process (bangkit.heap), which the page's time depends on.
    import bangkit.wsgi  # noqa: F401

    # WeasyPrint's font subsetting logs every glyph at INFO: keep the figures readable.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from django.conf import settings
    from django.contrib.auth import user_logged_in
    from django.contrib.auth.models import update_last_login
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bangkit.models import FiscalYear, Kecamatan, Kelurahan, User, WorkType
    from dashboards.summary import summarized_years

    settings.ALLOWED_HOSTS = ["*"]
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    user_logged_in.disconnect(update_last_login)  # write nothing to the shared database
    year = (
        FiscalYear.objects.filter(status=FiscalYear.Status.CLOSED)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    first = max(year - 9, FiscalYear.objects.order_by("year").values_list("year", flat=True)[0])
    last = FiscalYear.objects.order_by("-year").values_list("year", flat=True)[0]
    kecamatan = Kecamatan.objects.order_by("pk").values_list("pk", flat=True)[0]
    kelurahan = Kelurahan.objects.order_by("pk").values_list("pk", flat=True)[0]
    work_type = WorkType.objects.order_by("pk").values_list("pk", flat=True)[0]
    summarized = summarized_years()
    client = Client()
    client.force_login(User.objects.get(username="bappeda"))
    cases = [
        ("latest", f"tahun={year}", (year, year, None, None, None)),
        ("decade", f"dari={first}&sampai={year}", (first, year, None, None, None)),
        (
            "kecamatan",
            f"dari={first}&sampai={year}&kecamatan={kecamatan}",
            (first, year, kecamatan, None, None),
        ),
        (
            "kelurahan",
            f"dari={first}&sampai={year}&kelurahan={kelurahan}",
            (first, year, None, kelurahan, None),
        ),
        (
            "work_type",
            f"dari={first}&sampai={year}&jenis={work_type}",
            (first, year, None, None, work_type),
        ),
        ("with_open", f"dari={first}&sampai={last}", (first, last, None, None, None)),
        # The open year alone: what /dasbor/ shows first once the open year has records.
        ("open_year", f"tahun={last}", (last, last, None, None, None)),
    ]
    figures = {"year": year, "first": first, "cases": {}, "summarized": sorted(summarized)}
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
        row["bare"] = _timed(connection, statements_for(summarized, *sql_args), runs)
        row["ratio"] = row["uncached"]["median_ms"] / row["bare"]["median_ms"]
        year_from, year_to, kecamatan_id, kelurahan_id, work_type_id = sql_args
        if kelurahan_id is None:
            # The same figures computed from the records themselves, as if no year had
            # summary rows (funnel, money, contributions, people, time per stage, map).
            live = bare_sql(year_from, year_to, kecamatan_id, work_type_id)
            row["live"] = _timed(connection, live, runs)
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
        f"last closed year {figures['year']}, range {figures['first']}–{figures['year']}; "
        f"years read from summary rows: {figures['summarized'] or 'none'}"
    )
    missed = 0
    for key, row in figures["cases"].items():
        if "error" in row:
            print(f"{key:<10} HTTP {row['error']} {row['url']}")
            missed += 1
            continue
        print(f"{key:<10} {row['url']}  ({row['kb']:.0f} KB)")
        for mode in ("uncached", "cached", "bare", "live"):
            if mode not in row:
                continue
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
        if "live" in row:
            print(
                "  ratio uncached ÷ live SQL from the records "
                f"{row['uncached']['median_ms'] / row['live']['median_ms']:.2f}×"
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
    parser.add_argument(
        "--only", default="", help="latest,decade,kecamatan,kelurahan,work_type,with_open"
    )
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
