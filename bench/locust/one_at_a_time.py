"""The load scenario's endpoints one request at a time: p50 per endpoint, first and repeated.

    .venv/bin/python bench/locust/run.py --port 8103 --serve 600 &     # serve the run's copy
    .venv/bin/python bench/locust/one_at_a_time.py http://127.0.0.1:8103 /tmp/bk_load/plan.json

Under load a slow endpoint makes every other one wait behind it; alone, each shows its own
cost. Public pages are asked for twice per address: "first" is a render (or a kept page from
an earlier request), "again" the kept page. Staff pages are read signed in as one account of
each role in the plan. Read only: nothing is submitted.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

import requests

PASSWORD = "bangkit-demo"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PROPOSAL_LINK = re.compile(r'href="/usulan/(BB-[0-9A-Z-]+)/"')


def timed(session: requests.Session, url: str, **kwargs) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = session.get(url, timeout=60, **kwargs)
    return (time.perf_counter() - started) * 1000, response


def row(name: str, first: list[float], again: list[float] | None = None) -> None:
    cell = f"{statistics.median(first):7.0f}{max(first):7.0f}"
    if again:
        cell += f"{statistics.median(again):9.0f}"
    print(f"{name:<38}{len(first):>4}{cell}", flush=True)


def public(base: str, plan: dict, count: int) -> None:
    rng = random.Random(15)
    pub = plan["public"]
    visitor = requests.Session()
    pages = {
        "/ (public home)": ["/"] * count,
        "/proyek/?tahun": [f"/proyek/?tahun={y}" for y in pub["years"][:count]],
        "/proyek/?tahun&kecamatan": [
            f"/proyek/?tahun={rng.choice(pub['years'][:4])}&kecamatan={k}"
            for k in pub["kecamatan"][:count]
        ],
        "/proyek/<code>/": [f"/proyek/{c}/" for c in pub["site_codes"][:count]],
        "/proyek/peta/lokasi.geojson?tahun": [
            f"/proyek/peta/lokasi.geojson?tahun={y}" for y in pub["years"][:count]
        ],
        "/lacak/<code>/": [f"/lacak/{c}/" for c in pub["tracking_codes"][:count]],
    }
    for name, urls in pages.items():
        first, again = [], []
        for url in urls:
            first.append(timed(visitor, base + url)[0])
            again.append(timed(visitor, base + url)[0])
        row(name, first, again)
    if visitor.cookies:
        print(f"  (visitor got cookies: {sorted(visitor.cookies.keys())})")


def sign_in(base: str, username: str) -> tuple[requests.Session, float]:
    session = requests.Session()
    form = session.get(f"{base}/accounts/login/", timeout=60)
    token = CSRF_INPUT.search(form.text).group(1)
    started = time.perf_counter()
    done = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=60,
    )
    assert "/accounts/login/" not in done.url, f"sign-in refused for {username}"
    return session, (time.perf_counter() - started) * 1000


def staff(base: str, plan: dict, count: int) -> None:
    by_role: dict[str, dict] = {}
    for person in plan["staff"]:
        by_role.setdefault(person["role"], person)
    years = plan["public"]["years"]
    for role, person in by_role.items():
        session, took = sign_in(base, person["username"])
        row(f"[{role}] POST /accounts/login/", [took])
        pages = {"/": ["/"] * count, "/usulan/": ["/usulan/"] * count}
        pages["/usulan/?q=jalan"] = ["/usulan/?q=jalan"] * count
        if role in ("bappeda", "inspektorat", "camat"):
            pages["/usulan/?tahun&tahap=completed"] = [
                f"/usulan/?tahun={y}&tahap=completed" for y in years[:count]
            ]
        listed = PROPOSAL_LINK.findall(session.get(f"{base}/usulan/", timeout=60).text)
        codes = (listed or person.get("decide") or person.get("resubmit") or [])[:count]
        if codes:
            pages["/usulan/<code>/"] = [f"/usulan/{c}/" for c in codes]
        if role == "camat":
            pages["/verifikasi/prioritas/"] = ["/verifikasi/prioritas/"] * count
            pages["/verifikasi/sk/"] = ["/verifikasi/sk/"] * count
        else:
            pages["/laporan/"] = ["/laporan/"] * count
        if role not in ("rt", "camat"):
            pages["/pengadaan/pesanan/"] = ["/pengadaan/pesanan/"] * count
        for name, urls in pages.items():
            took = []
            for url in urls:
                ms, response = timed(session, base + url)
                assert response.status_code == 200, f"{url}: {response.status_code}"
                took.append(ms)
            row(f"[{role}] {name}", took)


def main() -> int:
    base, plan_path = sys.argv[1].rstrip("/"), sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    plan = json.loads(Path(plan_path).read_text())
    print(f"{'endpoint':<38}{'n':>4}{'p50':>7}{'max':>7}{'again':>9}   (ms, one at a time)")
    public(base, plan, count)
    staff(base, plan, count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
