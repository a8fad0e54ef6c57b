"""Time the audit trail (/audit/) on ten years of records: unfiltered, by model, by actor, by
text, for the Inspektorat (the whole city) and a camat (one kecamatan).

    createdb -h 127.0.0.1 -U postgres -T bk_seed bk_seed_audit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bk_seed_audit .venv/bin/python manage.py migrate
    # the decade generator writes no history rows: give every record its creation row
    DATABASE_URL=... .venv/bin/python manage.py populate_history --auto
    # ...all dated now: spread them over the decade, as a decade of saves would be (once)
    DATABASE_URL=... .venv/bin/python bench/bench_audit_trail.py --spread-history
    DATABASE_URL=... .venv/bin/python bench/bench_audit_trail.py [--runs 15]

Each page is requested through Django's test client (middleware, session, template), once to
warm up, then ``--runs`` times; the median and slowest run, the number of queries and the
rows of each source are printed. The page must answer under 200 ms (issue 14).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 200


def pages(actor: str, code: str) -> list[tuple[str, str, str]]:
    """(key, user, url) of what is measured."""
    return [
        ("unfiltered", "inspektorat", "/audit/"),
        ("page_2", "inspektorat", "/audit/?{next}"),
        ("model_order", "inspektorat", "/audit/?model=procurement.purchaseorder"),
        ("model_rabline", "inspektorat", "/audit/?model=proposals.rabline"),
        ("actor", "inspektorat", f"/audit/?pelaku={actor}"),
        ("text_code", "inspektorat", f"/audit/?q={code}"),
        ("text_word", "inspektorat", "/audit/?q=semen"),
        ("action_delete", "inspektorat", "/audit/?tindakan=hapus"),
        ("camat", "camat", "/audit/"),
        ("camat_text", "camat", "/audit/?q=beton"),
    ]


def spread_history() -> None:
    """Date the history rows of a copy over the ten years (populate_history dates them now)."""
    from django.db import connection

    from audit.trail import tracked_models

    if connection.settings_dict["NAME"] == "bk_seed":
        sys.exit("never on bk_seed itself: on a copy (createdb -T bk_seed ...)")
    with connection.cursor() as cursor:
        for model in tracked_models():
            table = getattr(
                model, model._meta.simple_history_manager_attribute
            ).model._meta.db_table
            cursor.execute(
                f"UPDATE {table} SET history_date = "  # noqa: S608 (our own table names)
                "now() - random() * interval '10 years'"
            )
            print(f"{table}: {cursor.rowcount} rows")
        cursor.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--spread-history", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangkit.settings")
    os.environ.setdefault("DEBUG", "True")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from audit.trail import sources
    from bangkit.models import Role, User
    from proposals.models import Proposal, TransitionLog

    settings.ALLOWED_HOSTS = ["*"]
    if args.spread_history:
        spread_history()
        return 0
    inspektorat = User.objects.filter(role=Role.INSPEKTORAT, is_active=True).first()
    if inspektorat is None:
        print("bench_audit_trail: needs a database seeded with `seed_demo --years N`")
        return 0
    camat = User.objects.filter(role=Role.KECAMATAN, is_active=True).order_by("username").first()
    busy_actor = (
        TransitionLog.objects.values_list("actor__username", flat=True).order_by("-id").first()
    )
    code = Proposal.objects.order_by("id").values_list("code", flat=True)[100]
    clients = {}
    for key, user in {"inspektorat": inspektorat, "camat": camat}.items():
        clients[key] = Client()
        clients[key].force_login(user)
    with connection.cursor() as cursor:
        sizes = {}
        for source in sources():
            table = (
                source.history._meta.db_table
                if hasattr(source, "history")
                else {
                    "Catatan audit": "bangkit_auditevent",
                    "Riwayat tahap": "proposals_transitionlog",
                }[source.source]
            )
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            sizes[table] = cursor.fetchone()[0]
    print(f"load average before: {os.getloadavg()}")
    print("rows (estimated): " + ", ".join(f"{t} {n}" for t, n in sizes.items() if n > 0))
    print(f"total trail rows: {sum(max(n, 0) for n in sizes.values())}")
    from audit.trail import Filters, trail_page

    next_query = f"setelah={trail_page(Filters()).next_cursor}"
    worst = 0.0
    print(f"\n{'page':<15} {'median':>9} {'max':>9} {'queries':>8}  url")
    for key, who, url in pages(busy_actor, code):
        path = url.format(next=next_query)
        client = clients[who]
        response = client.get(path)
        if response.status_code != 200:
            print(f"{key:<15} HTTP {response.status_code} {path}")
            continue
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
        median = statistics.median(times)
        worst = max(worst, median)
        print(f"{key:<15} {median:7.1f}ms {max(times):7.1f}ms {len(queries):8d}  {path[:70]}")
    print(f"\nload average after: {os.getloadavg()}")
    print(f"slowest median {worst:.1f} ms (target {TARGET_MS} ms)")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
