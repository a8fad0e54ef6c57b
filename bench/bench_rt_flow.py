"""The Ketua RT's phone (issue 11 targets): python bench/bench_rt_flow.py

Serves the app as production does (gunicorn, DEBUG=False, collectstatic with whitenoise's
manifest storage) on a throw-away database, and drives Debian's Chromium at 360 × 740 px
through Chrome DevTools Protocol Network throttling (2 Mbit/s down and up, 300 ms RTT):

1. **empty cache**: a fresh browser profile signs in as a Ketua RT and walks the guided flow
   from the home page to "Diajukan": Musrenbang list, Kegiatan (every field typed), Lokasi
   ("Pakai lokasi saya"), RAB (the year's template already in the form, one catalogue line
   and one free line typed),
   Dokumen (the letter, the attendance list and three 12 MP phone photos of ~3 MB each,
   resized on the phone by photo-upload.js), review and submit;
2. **warm**: the same browser walks the flow again for a second Musrenbang entry; and
   "a repeat visit of the form": the Kegiatan step opened again with a warm cache;
3. **proposal page**: the lurah opens the page of the proposal with three photos, and of one
   with four photos of 12 MP uploaded without script (the server made the copies), from an
   empty cache and again warm.

Bytes are what Chromium received (CDP `encodedDataLength`: headers and bodies as sent on the
wire, compressed) plus what it sent in request bodies (gunicorn's access log, Content-Length);
page loads are the documents the page navigated to (a POST answered by a redirect counts once).

    .venv/bin/python bench/bench_rt_flow.py [--keep DIR] [--headed]

SQLite in a temporary folder by default; with a PostgreSQL DATABASE_URL a scratch database
next to the one named (dropped afterwards). Needs /usr/bin/chromium and Playwright.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
VIEWPORT = {"width": 360, "height": 740}
THROTTLE = {
    "offline": False,
    "latency": 300,  # ms round trip
    "downloadThroughput": 2_000_000 / 8,  # 2 Mbit/s in bytes per second
    "uploadThroughput": 2_000_000 / 8,
}
HERE = {"latitude": -1.610123, "longitude": 103.613145, "accuracy": 8}
RT_USER, LURAH_USER = "rt.simpang-iv-sipin.07", "lurah.simpang-iv-sipin"
TARGETS = {
    "flow_bytes": 2_000_000,
    "flow_loads": 8,
    "repeat_form_bytes": 30_000,
    "proposal_page_bytes": 300_000,
    "wall_s": 120,
}


# --- The server's side: data, run inside the server's environment ----------------------------


def setup_data(files_dir: Path) -> dict:
    """Regions, the year, catalogue and template, two Musrenbang entries, the RT and lurah
    accounts, the documents to upload, and a submitted proposal with four 12 MP photos."""
    import django

    django.setup()
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from bangkit.models import Role
    from proposals import services as proposal_services
    from proposals.models import Proposal
    from tests import factories
    from tests.e2e.phone import phone_photo, rt_world
    from tests.factories import PASSWORD, make_user

    world = rt_world(
        [
            ("MR-2026-001", "Rabat beton Gang Mawar", "Gg. Mawar depan musala"),
            ("MR-2026-002", "Rabat beton Gang Melati", "Gg. Melati"),
            ("MR-2026-003", "Rabat beton Gang Anggrek", "Gg. Anggrek"),
            ("MR-2026-009", "Saluran drainase Gang Kenanga", "Gg. Kenanga"),
        ]
    )
    *entries, fourth = world.entries
    rt, kelurahan = world.rt, world.kelurahan
    point = (HERE["latitude"], HERE["longitude"])
    rt_user = make_user(Role.RT, rt, username=RT_USER, first_name="Zulkifli")
    make_user(Role.KELURAHAN, kelurahan, username=LURAH_USER, first_name="Sri")
    # The fourth entry's proposal with four 12 MP photos, uploaded as they were taken.
    four = proposal_services.proposal_create_from_entry(
        entry=fourth, actor=rt_user, planned_width=Decimal("1.5")
    )
    started = time.perf_counter()
    for i in range(4):
        data = phone_photo(f"kenanga-{i}", taken_at=timezone.now(), gps=point)
        proposal_services.attachment_add(
            proposal=four,
            actor=rt_user,
            kind="site_photo",
            upload=SimpleUploadedFile(f"IMG_000{i}.jpg", data, content_type="image/jpeg"),
        )
    server_copy_s = (time.perf_counter() - started) / 4
    Proposal.objects.filter(pk=four.pk).update(state="submitted")
    files_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for i in range(1, 4):
        paths[f"photo{i}"] = files_dir / f"IMG_2026051{i}_083012.jpg"
        paths[f"photo{i}"].write_bytes(
            phone_photo(f"mawar-{i}", taken_at=timezone.now(), gps=point)
        )
    for name in ("surat-usulan.pdf", "daftar-hadir.pdf"):
        paths[name] = files_dir / name
        paths[name].write_bytes(factories.pdf_bytes())
    return {
        "entries": [e.pk for e in entries],
        "four_code": four.code,
        "files": {k: str(v) for k, v in paths.items()},
        "photo_bytes": [Path(paths[f"photo{i}"]).stat().st_size for i in range(1, 4)],
        "server_copy_s": round(server_copy_s, 2),
        "password": PASSWORD,
    }


# --- The browser's side -------------------------------------------------------------------------


class Meter:
    """Bytes received and documents loaded by one page, through its CDP session."""

    def __init__(self, page):
        self.page = page
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.session.send("Network.emulateNetworkConditions", THROTTLE)
        self.received = 0
        self.documents = []
        self.requests = 0
        self.session.on("Network.loadingFinished", self._finished)
        self.session.on("Network.responseReceived", self._response)

    def _finished(self, event):
        self.received += int(event.get("encodedDataLength") or 0)
        self.requests += 1

    def _response(self, event):
        if event.get("type") == "Document":
            self.documents.append(event["response"]["url"])

    def mark(self):
        return (self.received, len(self.documents), self.requests)

    def since(self, mark):
        # CDP events are delivered while Playwright waits: let the last ones arrive.
        self.page.wait_for_timeout(1000)
        return (self.received - mark[0], len(self.documents) - mark[1], self.requests - mark[2])


def uploaded_bytes(log: Path, start_line: int) -> tuple[int, int]:
    """Request body bytes in gunicorn's access log from `start_line` on, and the line count."""
    lines = log.read_text().splitlines() if log.exists() else []
    total = 0
    for line in lines[start_line:]:
        length = line.rsplit(" ", 1)[-1]
        total += int(length) if length.isdigit() else 0
    return total, len(lines)


def walk_flow(page, base, entry_pk, files, expect, *, typed_title=None):
    """Home page → "Diajukan" through the guided flow, typing as a person would (who reads
    each page before touching it: its scripts have loaded)."""

    def step(name):
        expect(page.get_by_role("heading", name=name)).to_be_visible()
        page.wait_for_load_state("load")

    page.goto(f"{base}/")
    page.get_by_role("link", name="Buat usulan dari Musrenbang").click()
    page.locator(f"#entry-{entry_pk}").get_by_role("link", name="Buat usulan").click()
    step("Langkah 1 dari 5: Kegiatan")
    if typed_title:
        page.get_by_label("Judul kegiatan").fill(typed_title)
    page.get_by_label(re.compile("^Lebar")).fill("1,5")
    page.get_by_label("Jiwa penerima manfaat").fill("320")
    page.get_by_label("Swadaya tenaga (orang)").fill("25")
    page.get_by_role("button", name="Simpan dan lanjut").click()
    step("Langkah 2 dari 5: Lokasi")
    code = page.url.split("/usulan/")[1].split("/")[0]
    page.get_by_role("button", name="Pakai lokasi saya").click()
    expect(page.get_by_label(re.compile("^Lintang"))).to_have_value("-1.610123")
    page.get_by_role("button", name="Simpan dan lanjut").click()
    step("Langkah 3 dari 5: RAB")
    # A RAB not begun opens with the year's template rows in it: no page load to fill them.
    expect(page.get_by_role("status").filter(has_text="diisi dari templat")).to_be_visible()
    lines = page.locator("[data-rab-line]")
    added = lines.nth(4)
    added.get_by_label("Material", exact=True).fill("Kawat bendrat")
    expect(added.get_by_label("Harga satuan (Rp)")).to_have_value("28.000")
    added.get_by_label("Jumlah", exact=True).fill("5")
    page.get_by_role("button", name="Tambah baris").click()
    free = lines.nth(5)
    free.get_by_label("Material", exact=True).fill("Terpal plastik 4x6 m")
    free.get_by_label("Jumlah", exact=True).fill("2")
    free.get_by_label("Satuan", exact=True).fill("lembar")
    free.get_by_label("Harga satuan (Rp)").fill("85000")
    page.get_by_role("button", name="Simpan dan lanjut").click()
    step("Langkah 4 dari 5: Dokumen")
    page.locator("#doc-proposal_letter input[type=file]").set_input_files(files["surat-usulan.pdf"])
    page.locator("#doc-attendance input[type=file]").set_input_files(files["daftar-hadir.pdf"])
    page.locator("#doc-site_photo input[type=file]").set_input_files(
        [files["photo1"], files["photo2"], files["photo3"]]
    )
    page.get_by_role("button", name="Simpan dan lanjut").click()
    expect(page.get_by_role("heading", name="Langkah 5 dari 5: Periksa dan ajukan")).to_be_visible(
        timeout=180_000
    )
    expect(page.locator("#kurang")).to_contain_text("Semua syarat terpenuhi")
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Ajukan ke kelurahan").click()
    page.wait_for_url(re.compile(rf".*/usulan/(tanda-terima/\d+|{code})/"))
    page.wait_for_load_state()
    return code


def sign_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def measure(base: Path, url: str, data: dict, log: Path, headed: bool) -> dict:
    from playwright.sync_api import expect, sync_playwright

    password = data["password"]
    expect.set_options(timeout=90_000)  # a 2 Mbit/s link with 300 ms RTT is slow on purpose

    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=not headed,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(
            viewport=VIEWPORT,
            locale="id-ID",
            geolocation=HERE,
            permissions=["geolocation"],
        )
        context.set_default_timeout(60_000)
        page = context.new_page()
        meter = Meter(page)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        started = time.perf_counter()
        mark, log_at = meter.mark(), uploaded_bytes(log, 0)[1]
        sign_in(page, url, RT_USER, password)
        got, loads, _ = meter.since(mark)
        sent, log_at = uploaded_bytes(log, log_at)
        results["sign_in"] = {"received": got, "sent": sent, "loads": loads}

        codes = []
        for label, entry in (("flow_empty", data["entries"][0]), ("flow_warm", data["entries"][1])):
            mark, flow_started = meter.mark(), time.perf_counter()
            codes.append(walk_flow(page, url, entry, data["files"], expect))
            got, loads, requests = meter.since(mark)
            sent, log_at = uploaded_bytes(log, log_at)
            results[label] = {
                "received": got,
                "sent": sent,
                "loads": loads,
                "requests": requests,
                "wall_s": round(time.perf_counter() - flow_started, 1),
                "code": codes[-1],
            }
        code = codes[0]
        results["whole_run_wall_s"] = round(time.perf_counter() - started, 1)

        # A repeat visit of the form, warm: step 1 of the flow for an entry not yet proposed.
        mark = meter.mark()
        page.goto(f"{url}/usulan/musrenbang/{data['entries'][2]}/mulai/")
        page.wait_for_load_state("load")
        got, loads, requests = meter.since(mark)
        results["repeat_form"] = {"received": got, "loads": loads, "requests": requests}
        context.close()

        for label, proposal_code in (("three_photos", code), ("four_photos", data["four_code"])):
            context = browser.new_context(viewport=VIEWPORT, locale="id-ID")
            page = context.new_page()
            sign_in(page, url, LURAH_USER, password)
            meter = Meter(page)
            for cache in ("empty", "warm"):
                if cache == "empty":
                    meter.session.send("Network.clearBrowserCache")
                mark, t0 = meter.mark(), time.perf_counter()
                page.goto(f"{url}/usulan/{proposal_code}/", wait_until="networkidle")
                # Scrolled to the end: the lazy thumbnails below the fold load too.
                page.mouse.wheel(0, 20_000)
                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1500)
                got, loads, requests = meter.since(mark)
                results[f"page_{label}_{cache}"] = {
                    "received": got,
                    "loads": loads,
                    "requests": requests,
                    "wall_s": round(time.perf_counter() - t0, 1),
                    "images": page.evaluate(
                        "Array.from(document.images).filter(i => i.complete && i.naturalWidth)"
                        ".map(i => i.currentSrc.split('/').slice(-1)[0])"
                    ),
                }
            context.close()
        browser.close()
        results["page_errors"] = errors
    return results


# --- Orchestration ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_database(work: Path):
    """(DATABASE_URL, drop) for a throw-away database."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{work / 'bench.sqlite3'}", lambda: None
    import psycopg2

    parts = urlsplit(url)
    name = f"bench_rt_flow_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))

    def run(sql: str) -> None:
        conn = psycopg2.connect(admin)
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
        finally:
            conn.close()

    run(f'CREATE DATABASE "{name}"')

    def drop():
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit(parts._replace(path=f"/{name}")), drop


def server_env(work: Path, database_url: str, port: int) -> dict:
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
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "SECURE_HSTS_SECONDS": "0",
            "STATIC_ROOT": str(work / "static"),
            "MEDIA_ROOT": str(work / "media"),
            "SITE_URL": f"http://127.0.0.1:{port}",
            "LOG_LEVEL": "WARNING",
            "AXES_FAILURE_LIMIT": "1000",
        }
    )
    return env


def run(args, env):
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def kb(n: int) -> str:
    return f"{n / 1000:,.0f} kB".replace(",", ".")


def verdict(value, target, show) -> str:
    """'1.234 kB (target ≤ 2.000 kB: met)', or by how much it was missed."""
    if value <= target:
        return f"{show(value)} (target ≤ {show(target)}: met)"
    return f"{show(value)} (target ≤ {show(target)}: MISSED by {show(value - target)})"


def report(results: dict, data: dict, load: str) -> str:
    r = results
    flow = r["flow_empty"]
    total = flow["received"] + flow["sent"]
    rows = [
        ("sign-in (login page and home), empty cache", r["sign_in"]),
        ("guided flow, home → Diajukan, empty cache", flow),
        ("guided flow again, warm cache", r["flow_warm"]),
        ("repeat visit of the form (step 1 of a new proposal, warm)", r["repeat_form"]),
        ("proposal page, 3 photos, empty cache (lurah)", r["page_three_photos_empty"]),
        ("proposal page, 3 photos, warm", r["page_three_photos_warm"]),
        ("proposal page, 4 photos of 12 MP, empty cache", r["page_four_photos_empty"]),
        ("proposal page, 4 photos of 12 MP, warm", r["page_four_photos_warm"]),
    ]
    lines = [
        "| what | received | sent | page loads | requests | wall |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, row in rows:
        lines.append(
            f"| {label} | {kb(row['received'])} | {kb(row.get('sent', 0))} | {row['loads']} | "
            f"{row.get('requests', '')} | {row.get('wall_s', '')} s |".replace("|  s |", "| |")
        )
    four = r["page_four_photos_empty"]["received"]
    verdicts = [
        "- one proposal with three photos, empty cache: "
        + verdict(total, TARGETS["flow_bytes"], kb)
        + " in all; page loads: "
        + verdict(flow["loads"], TARGETS["flow_loads"], str),
        "- repeat visit of the form, warm: "
        + verdict(r["repeat_form"]["received"], TARGETS["repeat_form_bytes"], kb),
        "- proposal page with four 12 MP photos, empty cache: "
        + verdict(four, TARGETS["proposal_page_bytes"], kb),
        f"- the scripted RT flow under throttling: {flow['wall_s']} s wall from an empty cache, "
        f"{r['flow_warm']['wall_s']} s warm; "
        + verdict(flow["wall_s"], TARGETS["wall_s"], lambda v: f"{v:.0f} s"),
        f"- the three photos as taken: {', '.join(kb(b) for b in data['photo_bytes'])}; "
        f"server copies of one 12 MP photo: {data['server_copy_s']} s; "
        f"load average before the run: {load}",
    ]
    if r["page_errors"]:
        verdicts.append(f"- page errors: {r['page_errors']}")
    return "\n".join(lines + [""] + verdicts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", help="keep the server's files in this folder")
    parser.add_argument("--headed", action="store_true")
    parser.add_argument("--setup", help=argparse.SUPPRESS)  # internal: run inside the server env
    args = parser.parse_args()
    if args.setup:
        print(json.dumps(setup_data(Path(args.setup))))
        return 0
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-rt-flow-"))
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    database_url, drop = scratch_database(work)
    env = server_env(work, database_url, port)
    server = None
    try:
        python = sys.executable
        t0 = time.perf_counter()
        run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        data = json.loads(
            run([python, __file__, "--setup", str(work / "files")], env).splitlines()[-1]
        )
        print(f"set up in {time.perf_counter() - t0:.0f} s", flush=True)
        log = work / "access.log"
        server = subprocess.Popen(
            [
                str(Path(python).with_name("gunicorn")),
                "bangkit.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                str(log),
                "--access-logformat",
                "%(m)s %(U)s %(s)s %(B)s %({content-length}i)s",
                "--timeout",
                "300",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        results = measure(work, base, data, log, args.headed)
        print(json.dumps(results, indent=1))
        print()
        print(report(results, data, load))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        drop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
