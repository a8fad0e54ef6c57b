"""Time the red flags on a copy of the ten-year database: computing every rule, storing the
result, and the Inspektorat's and a camat's list at /audit/tanda/.

    # a copy of the ten-year database (this script writes flags into it):
    createdb -h 127.0.0.1 -U postgres -T bk_seed bk_seed_NAME
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bk_seed_NAME .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bk_seed_NAME \\
        .venv/bin/python bench/bench_audit_flags.py [--runs 15]

Steps, each timed with a monotonic clock in this process:
- *live*: every rule computed from the records, nothing stored (``compute_flags``), with the
  time each rule took;
- *refresh*: ``flags_refresh`` (compute and store) twice, the first after emptying the flag
  table (every flag new), the second with nothing changed (what the background task usually
  does);
- *list*: ``/audit/tanda/`` through Django's test client (the whole stack), once to warm up,
  then ``--runs`` times per filter, as the Inspektorat (city) and as one camat; medians, 95th
  percentiles and the number of queries.
The shared cache is replaced by a process-local one. Refuses to run on ``bk_seed`` itself.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_LIST_S = 2.0


def p95(times: list[float]) -> float:
    values = sorted(times)
    position = 0.95 * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def measure(runs: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bangkit.settings")
    os.environ.setdefault("DEBUG", "True")
    os.environ["CACHE_URL"] = "locmemcache://auditbench"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from audit import services
    from audit.models import Flag
    from bangkit.models import User

    if connection.settings_dict["NAME"] == "bk_seed":
        raise SystemExit("bk_seed is shared and read-only: run this on a copy (see above).")
    settings.ALLOWED_HOSTS = ["*"]
    settings.AUDIT_FLAGS_REFRESH_ON_CHANGE = False
    out = {}

    started = time.perf_counter()
    raised, timings = services.compute_flags()
    out["live_s"] = time.perf_counter() - started
    out["live_rules"] = timings
    out["counts"] = {code: len(flags) for code, flags in raised.items()}

    Flag.objects.all().delete()
    started = time.perf_counter()
    first = services.flags_refresh()
    out["refresh_new_s"] = time.perf_counter() - started
    started = time.perf_counter()
    second = services.flags_refresh()
    out["refresh_same_s"] = time.perf_counter() - started
    out["flags"] = first.flags
    out["second"] = (second.raised, second.changed, second.retired)

    inspektorat = User.objects.get(username="inspektorat")
    camat = User.objects.filter(role="kecamatan", is_active=True).order_by("username").first()
    year = Flag.objects.exclude(year=None).order_by("-year").values_list("year", flat=True)[0]
    cases = [
        ("city", inspektorat, {}),
        ("city, year", inspektorat, {"tahun": year}),
        ("city, unreviewed", inspektorat, {"status": "belum"}),
        ("city, one rule", inspektorat, {"aturan": "photo_reused"}),
        ("city, page 20", inspektorat, {"hal": 20}),
        ("camat", camat, {}),
    ]
    out["pages"] = {}
    for label, user, params in cases:
        client = Client()
        client.force_login(user)
        assert client.get("/audit/tanda/", params).status_code == 200
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get("/audit/tanda/", params)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200
        out["pages"][label] = (statistics.median(times), p95(times), len(queries))
    return out


def report(out: dict) -> bool:
    print(f"flags: {out['flags']}  " + ", ".join(f"{k} {v}" for k, v in out["counts"].items()))
    print(f"live, all rules, nothing stored: {out['live_s']:.2f} s")
    slow = sorted(out["live_rules"].items(), key=lambda kv: -kv[1])
    print("  per rule (ms): " + ", ".join(f"{code} {ms}" for code, ms in slow))
    print(f"refresh, every flag new:   {out['refresh_new_s']:.2f} s")
    print(
        f"refresh, nothing changed:  {out['refresh_same_s']:.2f} s "
        f"(new, changed, removed: {out['second']})"
    )
    missed = False
    for label, (median, high, queries) in out["pages"].items():
        ok = high < TARGET_LIST_S
        missed |= not ok
        print(
            f"/audit/tanda/ {label:18} median {1000 * median:7.1f} ms  p95 {1000 * high:7.1f} ms"
            f"  {queries} queries  (target < {TARGET_LIST_S} s: {'met' if ok else 'MISSED'})"
        )
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        print("DATABASE_URL: a copy of the ten-year database (seed_demo --years 10)")
        return 0  # bench/run.py runs every script: without a seeded database, nothing to do
    return 1 if report(measure(args.runs)) else 0


if __name__ == "__main__":
    sys.exit(main())
