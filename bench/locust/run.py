"""Run the load scenario end to end and print p95 and errors (issue 15, docs/BENCHMARKS.md).

    .venv/bin/python bench/locust/run.py            # 230 users, 20/s, 2 minutes
    .venv/bin/python bench/locust/run.py --time 30s --keep   # shorter; keep the run's database
    .venv/bin/python bench/locust/run.py --port 8103 --serve 600   # serve it, measure by hand

1. The base database `--base-db` is made once from the ten-year `bk_seed` (a template copy:
   bk_seed itself is never written), migrated, with `seed_demo` adding the demo year's proposals
   (the records the staff act on) and their files in `<workdir>/media-base`.
2. Every run works on a fresh copy of it, `--run-db` (uploads and decisions write there), with
   a copy of the media, migrated; `prepare.py` writes the plan; the tasks the seeding left due
   run to completion before the clock starts.
3. gunicorn serves it with the repository's gunicorn.conf.py (2 workers per core, 8 threads;
   `--workers`/`--threads` override), DEBUG=False, collected static files,
   RATELIMIT_PROXY_COUNT=1, keep-alive past the visitors' longest pause, Redis as the cache
   (keys under the run database's name, removed at the start); `manage.py db_worker` runs the
   background tasks beside it.
4. locust runs headless (`--csv`), bounded by `--time`, the staff starting over the first
   `--staff-ramp` seconds; then both servers are stopped and the figures printed: requests,
   failures, p50/p95/p99 overall, the slowest endpoints by p95, and the server's CPU.
Exit 1 when there were failures or p95 is over `--target-ms`.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PG = ["-h", "127.0.0.1", "-U", "postgres"]
PG_URL = "postgres://postgres@127.0.0.1:5432/{}"


def sh(*args, env=None, check=True, quiet=False):
    out = subprocess.DEVNULL if quiet else None
    return subprocess.run(args, env=env, check=check, cwd=ROOT, stdout=out)


def db_exists(name: str) -> bool:
    found = subprocess.run(
        ["psql", *PG, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'", "postgres"],
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() == "1"


def copy_db(template: str, name: str) -> None:
    """createdb -T fails while anyone is connected to the template: try for a minute."""
    for _ in range(30):
        if subprocess.run(["createdb", *PG, "-T", template, name]).returncode == 0:
            return
        time.sleep(2)
    sys.exit(f"could not copy {template} (someone stays connected to it)")


def django_env(db: str, media: Path, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": PG_URL.format(db), "MEDIA_ROOT": str(media)}
    env.update({"EMAIL_URL": "dummymail://", "LOG_LEVEL": "WARNING", **extra})
    return env


def build_base(args, media_base: Path) -> None:
    print(f"== base database {args.base_db} from {args.seed_db} (once)", flush=True)
    copy_db(args.seed_db, args.base_db)
    shutil.rmtree(media_base, ignore_errors=True)
    media_base.mkdir(parents=True)
    env = django_env(args.base_db, media_base, DEBUG="True")
    py = sys.executable
    sh(py, "manage.py", "migrate", "--noinput", env=env, quiet=True)
    sh(py, "manage.py", "seed_demo", env=env, quiet=True)


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.5)
    sys.exit(f"the server did not answer {url} within {seconds:.0f} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def clear_cache_keys(url: str, prefix: str) -> None:
    """The run's cache starts empty (no kept page or count of an earlier run): its keys, and
    only its keys (CACHE_KEY_PREFIX), are removed; the Redis database may be shared."""
    import redis

    try:
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(match=f"{prefix}:*", count=1000):
            client.delete(key)
    except redis.RedisError as exc:
        sys.exit(f"Redis at {url} cannot be used ({exc}); --cache-url db uses the database")


TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of a live process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def server_cpu(gunicorn_pid: int, database: str) -> tuple[float, float]:
    """CPU seconds used so far by gunicorn (master and live workers) and by the PostgreSQL
    backends connected to the run's database (their process title names it)."""
    app = _cpu_of(gunicorn_pid) + sum(_cpu_of(c) for c in _children(gunicorn_pid))
    db = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            db += _cpu_of(int(entry.name))
    return app, db


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def summary(prefix: str, target_ms: int, top: int, cpu: tuple[float, float], elapsed: float) -> int:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    endpoints = [r for r in rows if r["Name"] != "Aggregated"]
    endpoints.sort(key=lambda r: float(r["95%"] or 0), reverse=True)
    print(f"\n{'endpoint':<44}{'reqs':>7}{'fail':>6}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>8}")
    for r in endpoints[:top] + [total]:
        print(
            f"{(r['Type'] + ' ' + r['Name'])[:43]:<44}{r['Request Count']:>7}"
            f"{r['Failure Count']:>6}{r['50%']:>7}{r['95%']:>7}{r['99%']:>7}"
            f"{float(r['Max Response Time']):>8.0f}"
        )
    failures = int(total["Failure Count"])
    p95 = float(total["95%"])
    rate = float(total["Requests/s"])
    print(
        f"\nrequests {total['Request Count']}, {rate:.1f}/s, failures {failures}, "
        f"p50 {total['50%']} ms, p95 {p95:.0f} ms, p99 {total['99%']} ms (target: 0 failures, "
        f"p95 < {target_ms} ms)"
    )
    count = int(total["Request Count"]) or 1
    print(
        f"server CPU over the {elapsed:.0f} s: gunicorn {cpu[0]:.0f} s + PostgreSQL {cpu[1]:.0f} s"
        f" = {(cpu[0] + cpu[1]) / elapsed:.2f} cores of {os.cpu_count()}, "
        f"{(cpu[0] + cpu[1]) * 1000 / count:.0f} ms per request (a request's CPU cost; the"
        " latencies depend on what else the machine runs, this much less)"
    )
    if failures:
        with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
            for line in list(handle)[1:11]:
                print("  failure:", line.strip()[:200])
    return 0 if failures == 0 and p95 < target_ms else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-db", default="bk_seed")
    parser.add_argument("--base-db", default="bk_seed_load")
    parser.add_argument("--run-db", default="bk_seed_load_run")
    parser.add_argument("--rebuild", action="store_true", help="make the base database again")
    parser.add_argument("--workdir", default="/tmp/bk_load")
    parser.add_argument("--port", type=int, default=8015, help="gunicorn's port (8015)")
    parser.add_argument(
        "--cache-url",
        default="redis://127.0.0.1:6379/{port_digit}",
        help="the shared cache, as in production: Redis, database number = the port's last "
        "digit, keys prefixed with the run database's name; 'db' for the database cache table",
    )
    parser.add_argument(
        "--staff-ramp",
        type=float,
        default=60,
        help="seconds over which the 30 staff start and sign in (60)",
    )
    parser.add_argument(
        "--serve",
        type=float,
        metavar="SECONDS",
        help="no locust: prepare, serve the run's copy this long for measuring by hand, stop",
    )
    parser.add_argument("--users", type=int, default=230)
    parser.add_argument("--spawn-rate", type=int, default=20)
    parser.add_argument("--time", default="2m")
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's, 2 per core)"
    )
    parser.add_argument("--threads", type=int, help="threads per worker (gunicorn.conf.py's: 8)")
    parser.add_argument("--target-ms", type=int, default=500)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--keep", action="store_true", help="keep the run's database")
    args = parser.parse_args()
    # Stopped from outside (kill, a timeout, Ctrl-C even when started in the background): the
    # `finally` below still stops gunicorn and the task worker and drops the run's database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)

    work = Path(args.workdir)
    media_base, media = work / "media-base", work / "media-run"
    work.mkdir(parents=True, exist_ok=True)
    if args.rebuild and db_exists(args.base_db):
        sh("dropdb", *PG, args.base_db)
    if not db_exists(args.base_db):
        build_base(args, media_base)
    print(f"== fresh copy {args.run_db} of {args.base_db}", flush=True)
    if db_exists(args.run_db):
        sh("dropdb", *PG, args.run_db)
    copy_db(args.base_db, args.run_db)
    shutil.rmtree(media, ignore_errors=True)
    shutil.copytree(media_base, media)
    static = work / "static"
    cache = {}
    if args.cache_url != "db":
        cache_url = args.cache_url.format(port_digit=args.port % 10)
        clear_cache_keys(cache_url, args.run_db)
        cache.update(CACHE_URL=cache_url, CACHE_KEY_PREFIX=args.run_db)
    env = django_env(
        args.run_db,
        media,
        DEBUG="False",
        SECRET_KEY="load-test-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="False",
        SESSION_COOKIE_SECURE="False",
        CSRF_COOKIE_SECURE="False",
        SECURE_HSTS_SECONDS="0",
        RATELIMIT_PROXY_COUNT="1",
        STATIC_ROOT=str(static),
        # Idle connections stay open longer than the longest pause between pages (15 s): with
        # gunicorn's 5 s a request sent just as the server closes the idle connection was
        # "connection reset" (behind nginx its upstream keep-alive retries that instead).
        GUNICORN_KEEPALIVE="20",
        **cache,
    )
    py = sys.executable
    sh(py, "manage.py", "migrate", "--noinput", env=env, quiet=True)
    sh(py, "manage.py", "collectstatic", "--noinput", env=env, quiet=True)
    plan = work / "plan.json"
    sh(py, str(HERE / "prepare.py"), str(plan), env=env)
    # Tasks the seeding left due (the red flags' refresh: half a minute of CPU) run now, not
    # inside the measured minutes.
    with open(work / "tasks-before.log", "w") as log:
        batch = [py, "manage.py", "db_worker", "--batch", "--no-startup-delay"]
        subprocess.run(batch, env=env, cwd=ROOT, stdout=log, stderr=log, check=True)

    bind = f"127.0.0.1:{args.port}"
    gunicorn = [str(Path(py).parent / "gunicorn"), "bangkit.wsgi", "-b", bind]
    if (ROOT / "gunicorn.conf.py").exists():
        gunicorn += ["-c", str(ROOT / "gunicorn.conf.py")]
    else:
        gunicorn += ["--worker-class", "gthread", "--threads", str(args.threads or 4)]
    if args.workers:
        gunicorn += ["-w", str(args.workers)]
    if args.threads:
        gunicorn += ["--threads", str(args.threads)]
    logs = open(work / "server.log", "w")  # noqa: SIM115 (closed in the finally below)
    server = subprocess.Popen(gunicorn, env=env, cwd=ROOT, stdout=logs, stderr=logs)
    worker = subprocess.Popen(
        [py, "manage.py", "db_worker"], env=env, cwd=ROOT, stdout=logs, stderr=logs
    )
    prefix = str(work / "load")
    try:
        wait_for(f"http://{bind}/healthz")
        if args.serve:
            print(f"== serving http://{bind}/ for {args.serve:.0f} s (Ctrl-C stops)", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                time.sleep(args.serve)
            return 0
        print(f"== locust: {args.users} users, {args.spawn_rate}/s, {args.time}", flush=True)
        print("before:", uptime(), flush=True)
        cpu_before, started = server_cpu(server.pid, args.run_db), time.monotonic()
        locust = [str(Path(py).parent / "locust"), "-f", str(HERE / "locustfile.py")]
        locust += ["--host", f"http://{bind}", "--headless", "--only-summary"]
        locust += ["-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.time]
        locust += ["--stop-timeout", "10", "--csv", prefix, "--exit-code-on-error", "0"]
        locust += ["--loglevel", "WARNING"]
        locust_env = {**os.environ, "LOAD_PLAN": str(plan), "LOAD_STAFF_RAMP": str(args.staff_ramp)}
        with open(work / "locust.log", "w") as log:
            subprocess.run(locust, env=locust_env, cwd=ROOT, stdout=log, stderr=log)
        print("after: ", uptime(), flush=True)
        cpu_after, elapsed = server_cpu(server.pid, args.run_db), time.monotonic() - started
        cpu = (cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1])
    finally:
        stop(server)
        stop(worker)
        logs.close()
        if not args.keep:
            sh("dropdb", *PG, args.run_db, check=False)
    print(f"(logs: {work}/server.log, {work}/locust.log; CSV: {prefix}_*.csv)")
    return summary(prefix, args.target_ms, args.top, cpu, elapsed)


if __name__ == "__main__":
    sys.exit(main())
