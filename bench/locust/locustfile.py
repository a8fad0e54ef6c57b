"""The load scenario (issue 15): 200 public visitors and 30 staff and RT users at once.

Run through `bench/locust/run.py`, which prepares a throwaway copy of the ten-year database,
writes the plan (`prepare.py`) and starts gunicorn; by hand:

    LOAD_PLAN=/tmp/plan.json locust -f bench/locust/locustfile.py --host http://127.0.0.1:8001 \\
        --headless -u 230 -r 20 -t 2m --csv /tmp/load

Visitors read the home page, the list of sites with filters, a site's page, the map's data and
follow a proposal by its code; they pause 5–15 s between pages, as someone reading does. Staff
sign in once (the demo password; their starts spread over the first LOAD_STAFF_RAMP seconds,
60 by default), then read their lists and review pages, and act: the lurah
return submitted proposals for revision and their Ketua RT submit them again, other Ketua RT
upload photos (a document photo to a draft, a progress photo to a site in progress), 3–10 s
apart. Each simulated person has its own address in X-Forwarded-For (127.x.y.z; the server runs
with RATELIMIT_PROXY_COUNT=1 as it does behind nginx), so the per-client rate limits count each
one, not the whole load as one client.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import re
import time
from pathlib import Path

from locust import HttpUser, between, task
from PIL import Image, ImageDraw

PLAN = json.loads(Path(os.environ.get("LOAD_PLAN", "/tmp/bk_load_plan.json")).read_text())
PASSWORD = os.environ.get("DEMO_PASSWORD", "bangkit-demo")
PUBLIC = PLAN["public"]
STAFF = itertools.cycle(PLAN["staff"])
ADDRESSES = (f"127.{n // 65536 % 256}.{n // 256 % 256}.{n % 256 or 1}" for n in itertools.count(2))
# Staff do not all sign in the same second: they start over the first STAFF_RAMP seconds, as an
# office's morning does (each sign-in is a deliberately slow PBKDF2 hash, ~0.5 s of CPU).
STAFF_RAMP = float(os.environ.get("LOAD_STAFF_RAMP", "60"))
PROPOSAL_LINK = re.compile(r'href="/usulan/(BB-[0-9A-Z-]+)/"')
EXPECTED_STATE = re.compile(r'name="action" value="(\w+)"|name="expected_state" value="(\w+)"')


def _photos(count: int, seed: int) -> list[bytes]:
    """Distinct JPEGs the size a phone sends after resizing (1600 px), drawn at random."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        image = Image.new("RGB", (1600, 1200), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        for _ in range(40):
            x, y = rng.randrange(1500), rng.randrange(1100)
            box = (x, y, x + rng.randrange(20, 600), y + rng.randrange(20, 400))
            draw.rectangle(box, fill=tuple(rng.randrange(256) for _ in range(3)))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        made.append(buffer.getvalue())
    return made


PHOTOS = iter(_photos(int(os.environ.get("LOAD_PHOTOS", "120")), seed=15))


class Visitor(HttpUser):
    """A citizen reading the public pages (no sign-in)."""

    fixed_count = int(os.environ.get("LOAD_VISITORS", "200"))
    wait_time = between(5, 15)

    def on_start(self):
        self.client.headers["X-Forwarded-For"] = next(ADDRESSES)

    @task(3)
    def home(self):
        self.client.get("/", name="/ (public home)")

    @task(3)
    def projects(self):
        query = {"tahun": random.choice(PUBLIC["years"][:4] + ["semua"])}
        if random.random() < 0.5:
            query["kecamatan"] = random.choice(PUBLIC["kecamatan"])
        if random.random() < 0.3:
            query["tahap"] = random.choice(PUBLIC["stages"])
        if random.random() < 0.2:
            query["jenis"] = random.choice(PUBLIC["work_types"])
        if random.random() < 0.2:
            query["halaman"] = random.randint(2, 5)
        self.client.get("/proyek/", params=query, name="/proyek/?filters")

    @task(4)
    def site(self):
        code = random.choice(PUBLIC["site_codes"])
        self.client.get(f"/proyek/{code}/", name="/proyek/<code>/")

    @task(1)
    def map_sites(self):
        year = random.choice(PUBLIC["years"][:4])
        self.client.get(
            "/proyek/peta/lokasi.geojson", params={"tahun": year}, name="/proyek/peta/lokasi"
        )

    @task(2)
    def track(self):
        code = random.choice(PUBLIC["tracking_codes"])
        self.client.get(f"/lacak/{code}/", name="/lacak/<code>/")


class Staff(HttpUser):
    """An office or a Ketua RT at work: signs in once, reads lists and review pages, acts."""

    fixed_count = int(os.environ.get("LOAD_STAFF", "30"))
    wait_time = between(3, 10)

    def on_start(self):
        self.me = next(STAFF)
        self.client.headers["X-Forwarded-For"] = next(ADDRESSES)
        # locust patches time.sleep (gevent): the other users go on meanwhile.
        time.sleep(random.uniform(0, STAFF_RAMP))
        self.client.get("/accounts/login/", name="/accounts/login/")
        response = self.client.post(
            "/accounts/login/",
            {"username": self.me["username"], "password": PASSWORD, **self._csrf()},
            name="/accounts/login/ (sign in)",
        )
        if "/accounts/login/" in response.url:
            response.failure(f"sign-in refused for {self.me['username']}")
        self.seen: list[str] = []

    def _csrf(self) -> dict:
        return {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}

    def _list(self, url: str, name: str, **params):
        response = self.client.get(url, params=params or None, name=name)
        found = PROPOSAL_LINK.findall(response.text or "")
        if found:
            self.seen = found[:20]
        return response

    # -- reading ---------------------------------------------------------------------------

    @task(4)
    def home(self):
        self.client.get("/", name="/ (staff home)")

    @task(4)
    def proposals(self):
        role = self.me["role"]
        if role in ("bappeda", "inspektorat", "camat") and random.random() < 0.5:
            year = random.choice(PUBLIC["years"][:6])
            self._list("/usulan/", "/usulan/?tahun&tahap", tahun=year, tahap="completed")
        elif random.random() < 0.3:
            self._list("/usulan/", "/usulan/?q", q=random.choice(["jalan", "drainase", "RT"]))
        else:
            self._list("/usulan/", "/usulan/ (queue)")

    @task(3)
    def dossier(self):
        codes = self.seen or self.me.get("decide") or self.me.get("resubmit") or []
        if not codes:
            return self._list("/usulan/", "/usulan/ (queue)")
        self.client.get(f"/usulan/{random.choice(codes)}/", name="/usulan/<code>/")

    @task(2)
    def office_lists(self):
        role = self.me["role"]
        if role == "rt":
            self.client.get("/laporan/", name="/laporan/ (RT)")
        elif role == "camat" and random.random() < 0.5:
            self.client.get("/verifikasi/prioritas/", name="/verifikasi/prioritas/")
        elif role == "camat":
            self.client.get("/verifikasi/sk/", name="/verifikasi/sk/")
        elif random.random() < 0.5:
            self.client.get("/laporan/", name="/laporan/")
        else:
            self.client.get("/pengadaan/pesanan/", name="/pengadaan/pesanan/")

    # -- acting ----------------------------------------------------------------------------

    def _act(self, code: str, action: str, **extra):
        """Take `action` on the proposal when its page offers it (else nothing to do now)."""
        page = self.client.get(f"/usulan/{code}/", name="/usulan/<code>/")
        offered = EXPECTED_STATE.findall(page.text or "")
        actions = {a for a, _ in offered if a}
        states = [s for _, s in offered if s]
        if action not in actions or not states:
            return
        self.client.post(
            f"/usulan/{code}/tindakan/",
            {"action": action, "expected_state": states[0], **extra, **self._csrf()},
            name=f"/usulan/<code>/tindakan/ ({action})",
        )

    @task(3)
    def work(self):
        me = self.me
        if me.get("decide"):
            note = "Lengkapi foto lokasi dan daftar hadir (uji beban)."
            self._act(random.choice(me["decide"]), "return_for_revision", note=note)
        elif me.get("resubmit"):
            self._act(me["resubmit"][0], "submit", confirm="1")
        elif me.get("attach"):
            self._upload(
                f"/usulan/{me['attach'][0]}/lampiran/",
                {"kind": "site_photo", "client_token": self._token()},
                "files",
                "/usulan/<code>/lampiran/ (photo)",
            )
        elif me.get("site"):
            site = me["site"]
            self._upload(
                f"/laporan/lokasi/{site}/foto/",
                {"stage": "50", "client_token": self._token()},
                "photo",
                "/laporan/lokasi/<pk>/foto/ (photo)",
            )
            self.client.get(f"/laporan/lokasi/{site}/", name="/laporan/lokasi/<pk>/")
            for pk in me.get("photos", [])[:3]:
                self.client.get(f"/laporan/foto/{pk}/kecil.jpg", name="/laporan/foto/<pk>/kecil")

    def _token(self) -> str:
        return f"load-{random.getrandbits(64):016x}"

    def _upload(self, url: str, data: dict, field: str, name: str):
        photo = next(PHOTOS, None)
        if photo is None:  # every drawn photo is sent: read instead
            return self.home()
        with self.client.post(
            url,
            {**data, **self._csrf()},
            files={field: ("foto.jpg", photo, "image/jpeg")},
            headers={"Accept": "application/json"},
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code in (200, 201):
                response.success()
            else:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
