"""The public pages at ten years of data: medians in-process, requests per second under
gunicorn, and the bytes of the map page's first load.

    # a copy of the ten-year seed (never bk_seed itself), migrated once:
    createdb -h 127.0.0.1 -U postgres -T bk_seed bk_seed_publicperf
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bk_seed_publicperf DEBUG=True \\
        .venv/bin/python manage.py migrate
    .venv/bin/python bench/bench_public.py \\
        --database postgres://postgres@127.0.0.1:5432/bk_seed_publicperf \\
        [--runs 15] [--seconds 10] [--connections 8]

Runs as production does: DEBUG=False, SECRET_KEY set, persistent connections (CONN_MAX_AGE),
collectstatic into a scratch folder (whitenoise's hashed, gzip and Brotli copies).

1. In-process (Django's test client, the whole middleware stack): for `/`, `/proyek/` with and
   without filters, and the page of a completed site of the latest year, the median of
   ``--runs`` requests *rendered* (the kept pages renewed before each one: what the first
   visitor after a change pays) and *kept* (read from the shared cache), with their queries.
2. gunicorn with 2 workers (sync), measured with Debian's ``wrk`` (``apt-get install wrk``;
   without it a small threaded Python client, which measures itself as much as the server):
   requests per second on each page, kept pages.
3. The map page's first load with an empty browser cache: the HTML, its style sheets and
   scripts, and the two GeoJSON requests its script makes, in bytes on the wire as served
   (``Accept-Encoding: br, gzip``).

The machine is shared: the load average is printed before and after; compare ratios.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"median_ms": 50, "requests_per_s": 300, "map_first_load_kb": 250}


def server_env(work: Path, database_url: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("BANGKIT_TESTING", "DJANGO_SETTINGS_MODULE", "DEBUG")
    }
    env.update(
        {
            "DEBUG": "False",
            "SECRET_KEY": "bench-" + "x" * 60,
            "DJANGO_SETTINGS_MODULE": "bangkit.settings",
            "DATABASE_URL": database_url,
            "CONN_MAX_AGE": "600",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "SECURE_HSTS_SECONDS": "0",
            "STATIC_ROOT": str(work / "static"),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


# ---- 1. in-process medians (run in a child with the server's environment) ----------------------


def pages_to_measure() -> list[tuple[str, str]]:
    from portal import projects
    from proposals.models import State

    year = (
        projects.public_sites()
        .order_by("-fiscal_year__year")
        .values_list("fiscal_year__year", flat=True)
        .first()
    )
    code = (
        projects.public_sites()
        .filter(state=State.COMPLETED)
        .order_by("-fiscal_year__year", "code")
        .values_list("code", flat=True)
        .first()
    )
    kecamatan = projects.Kecamatan.objects.order_by("code").values_list("slug", flat=True).first()
    return [
        ("home", "/"),
        ("projects", "/proyek/"),
        ("projects_all_years", "/proyek/?tahun=semua&halaman=7"),
        ("projects_filtered", f"/proyek/?tahun={year - 3}&kecamatan={kecamatan}&tahap=selesai"),
        ("site", f"/proyek/{code}/"),
        ("map_sites", "/proyek/peta/lokasi.geojson"),
    ]


def in_process(runs: int) -> dict:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal import public_cache

    client = Client()
    found = {"pages": {}}
    for key, url in pages_to_measure():
        client.get(url)  # warm: templates, the connection
        row = {"url": url}
        for mode in ("rendered", "kept"):
            times = []
            for _ in range(runs):
                if mode == "rendered":
                    public_cache.renew()
                else:
                    client.get(url)
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            row[mode] = {
                "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "queries": len(queries),
            }
        row["kb"] = round(len(response.content) / 1024, 1)
        found["pages"][key] = row
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM proposals_proposal")
        found["proposals"] = cursor.fetchone()[0]
        cursor.execute("SELECT count(DISTINCT fiscal_year_id) FROM proposals_proposal")
        found["years"] = cursor.fetchone()[0]
    return found


# ---- 2. requests per second --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk_rate(url: str, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    median = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[median.group(2)] if median else 0
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_s": round(rate),
        "median_latency_ms": round(float(median.group(1)) * scale, 1) if median else None,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "client": "wrk",
    }


def python_rate(url: str, seconds: int, connections: int) -> dict:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    counts = [0] * connections
    errors = [0] * connections
    stop = time.perf_counter() + seconds

    def worker(i):
        conn = http.client.HTTPConnection(parts.hostname, parts.port)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        while time.perf_counter() < stop:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            counts[i] += 1
            errors[i] += response.status != 200

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "requests_per_s": round(sum(counts) / (time.perf_counter() - started)),
        "median_latency_ms": None,
        "non_2xx": sum(errors),
        "client": "python",
    }


# ---- 3. the map page's first load --------------------------------------------------------------


def fetch(url: str) -> tuple[bytes, dict]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip"})
    with urllib.request.urlopen(request) as response:
        return response.read(), dict(response.headers)


def first_load(base: str) -> dict:
    html, headers = fetch(base + "/proyek/")
    text = html.decode()
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', text)
    assets += re.findall(r'<script src="([^"]+)"', text)
    data = [
        m.replace("&amp;", "&")
        for m in re.findall(r'data-(?:boundaries|sites)-url="([^"]+)"', text)
    ]
    parts = {"/proyek/": (len(html), headers.get("Content-Encoding", "-"))}
    for path in assets + data:
        body, head = fetch(base + path)
        parts[path] = (len(body), head.get("Content-Encoding", "-"))
    return {"parts": parts, "total_bytes": sum(size for size, _ in parts.values())}


# ---- the run -----------------------------------------------------------------------------------


def wait_for(port: int) -> None:
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_PUBLIC_DATABASE_URL"))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        print(json.dumps(in_process(args.runs)))
        return 0
    if not args.database:
        # Run by bench/run.py with nothing given: say what it needs instead of failing.
        print("bench_public: needs --database, a migrated copy of the ten-year seed; see --help")
        return 0
    results = {"load_before": load()}
    work = Path(tempfile.mkdtemp(prefix="bench-public-"))
    env = server_env(work, args.database)
    python = sys.executable
    server = None
    try:
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        child = subprocess.run(
            [python, __file__, "--in-process", "--runs", str(args.runs)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if child.returncode:
            sys.exit(child.stderr[-3000:])
        results["in_process"] = json.loads(child.stdout.strip().splitlines()[-1])
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(python).with_name("gunicorn")),
                "bangkit.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        results["first_load"] = first_load(base)
        rate = wrk_rate if shutil.which("wrk") else python_rate
        results["rates"] = {}
        for key, url in [
            (k, u)
            for k, u in [(p["url"], p["url"]) for p in results["in_process"]["pages"].values()]
            if not u.endswith(".geojson")
        ]:
            fetch(base + url)  # the first request renders and keeps the page
            results["rates"][key] = rate(base + url, args.seconds, args.connections)
        results["load_after"] = load()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=1))
    print(report(results))
    return 0


def report(results: dict) -> str:
    data = results["in_process"]
    lines = [
        f"\n{data['proposals']} proposals over {data['years']} years; load average "
        f"{results['load_before']} before, {results['load_after']} after",
        f"{'page':<20} {'rendered':>10} {'q':>3} {'kept':>9} {'q':>3} {'ratio':>6} {'KB':>7}",
    ]
    for key, row in data["pages"].items():
        r, k = row["rendered"], row["kept"]
        lines.append(
            f"{key:<20} {r['median_ms']:7.1f} ms {r['queries']:3d} {k['median_ms']:6.1f} ms "
            f"{k['queries']:3d} {r['median_ms'] / max(k['median_ms'], 0.1):5.1f}x {row['kb']:7.1f}"
        )
    lines.append(f"\ngunicorn, 2 workers, kept pages ({results['rates'] and 'wrk'}):")
    for url, row in results["rates"].items():
        lines.append(
            f"  {row['requests_per_s']:6d} req/s  median {row['median_latency_ms']} ms  "
            f"non-2xx {row['non_2xx']}  {url}"
        )
    first = results["first_load"]
    lines.append("\nmap page, first load (bytes on the wire, br/gzip as served):")
    for path, (size, encoding) in first["parts"].items():
        lines.append(f"  {size / 1024:7.1f} KB  {encoding:<5} {path}")
    total_kb = first["total_bytes"] / 1024
    target = TARGETS["map_first_load_kb"]
    verdict = "ok" if total_kb <= target else "OVER"
    lines.append(f"  {total_kb:7.1f} KB in all (target ≤ {target}): {verdict}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
