"""Two app servers, one PostgreSQL database, one S3 bucket: whatever one server knows, the
other knows too (sessions, stored photos, rate-limit counts, the sign-in lock-out)."""

import io
import re

import pytest
import requests
from PIL import Image

from bangkit.models import Role
from proposals.models import Attachment
from tests import factories
from tests.factories import PASSWORD, lifecycle
from tests.ops.conftest import s3_env

pytestmark = pytest.mark.concurrency

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(session: requests.Session, base: str, username: str, password: str):
    form = session.get(f"{base}/accounts/login/", timeout=10)
    token = CSRF_INPUT.search(form.text).group(1)
    return session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (150, 110, 70)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture
def draft(transactional_db):
    # A draft whose Ketua RT may still add documents (no decree, no PDF: the test stays short).
    return lifecycle.ProposalFactory(documents={})


def test_two_gunicorn_servers_share_sessions_media_rate_limits_and_lock_out(
    draft, start_servers, s3_endpoint
):
    endpoint, bucket, s3 = s3_endpoint
    rt_user = lifecycle.actor_for(Role.RT, draft.rt)
    other = factories.make_user(Role.KELURAHAN, draft.kelurahan, username="lurah.kunci")
    a, b = start_servers(2, AXES_FAILURE_LIMIT=3, **s3_env(endpoint, bucket))

    # Signed in through A, the session works on B (one cookie jar: both are 127.0.0.1).
    browser = requests.Session()
    signed_in = sign_in(browser, a.url, rt_user.username, PASSWORD)
    assert signed_in.status_code == 302, signed_in.text[:500]
    page_on_b = browser.get(f"{b.url}/usulan/{draft.code}/", timeout=10)
    assert page_on_b.status_code == 200 and draft.code in page_on_b.text

    # A photo of the site uploaded through B lands in the bucket and is read back through A.
    upload = browser.post(
        f"{b.url}/usulan/{draft.code}/lampiran/",
        data={"kind": "site_photo"},
        files={"files": ("lokasi.jpg", jpeg_bytes(), "image/jpeg")},
        headers={"Accept": "application/json", "X-CSRFToken": browser.cookies["csrftoken"]},
        timeout=20,
    )
    assert upload.status_code == 201, upload.text[:500]
    photo = Attachment.objects.get(pk=upload.json()["id"], proposal=draft)
    stored = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert {photo.file.name, photo.display.name, photo.thumbnail.name} <= stored
    shown = browser.get(f"{a.url}/usulan/{draft.code}/lampiran/{photo.pk}/tampil.jpg", timeout=10)
    assert shown.status_code == 200
    assert shown.headers["Content-Type"] == "image/jpeg"
    in_bucket = s3.get_object(Bucket=bucket, Key=photo.display.name)["Body"].read()
    assert shown.content == in_bucket and shown.content[:2] == b"\xff\xd8"
    # The servers' health probes wrote to the bucket too, and removed their objects again.
    assert not any(key.startswith("healthz/") for key in stored)

    # A rate limit counts the hits on both servers: 30 lookups in ten minutes, alternately.
    visitor = requests.Session()
    codes = []
    for number in range(31):
        server = (a, b)[number % 2]
        codes.append(visitor.get(f"{server.url}/lacak/", params={"kode": "X"}, timeout=10))
    assert all(r.status_code != 429 for r in codes[:30])
    assert codes[30].status_code == 429 and "Retry-After" in codes[30].headers

    # The sign-in lock-out too: two failures on A and one on B lock the account on A.
    intruder = requests.Session()
    for server in (a, a, b):
        assert sign_in(intruder, server.url, other.username, "salah").status_code != 302
    locked = sign_in(intruder, a.url, other.username, PASSWORD)
    assert locked.status_code != 302
    assert "Akun terkunci sementara" in locked.text
