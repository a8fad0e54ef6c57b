"""Slow clients cannot exhaust the app server, and a too-large body is refused before it is read."""

import socket
import time

import pytest
import requests

from tests.ops.conftest import ROOT

HALF_SENT = 6


def half_sent_upload(url: str, *, declared: int, sent: int) -> socket.socket:
    """A connection that announced an upload of `declared` bytes and sent only `sent`.

    With a CSRF cookie and no token header, Django's CSRF check reads the form body to find
    the token: the thread serving it waits for the rest of the body, as for a real upload."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    boundary = "----bangkit"
    head = (
        f"POST /accounts/login/ HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Cookie: csrftoken={'a' * 32}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {declared}\r\n\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="f"; filename="a.jpg"\r\n\r\n'
    )
    sock.sendall(head.encode() + b"\xff" * sent)
    return sock


def test_healthz_answers_within_a_second_while_uploads_hang_half_sent(start_servers, db):
    # One worker process of the repository's configuration (threads from gunicorn.conf.py's
    # default): more half-sent uploads than the three that used to hold every sync worker.
    [server] = start_servers(1, GUNICORN_THREADS="")
    requests.get(f"{server.url}/healthz", timeout=10)  # warm: the first request imports views
    hanging = [
        half_sent_upload(server.url, declared=5 * 1024 * 1024, sent=64 * 1024)
        for _ in range(HALF_SENT)
    ]
    try:
        time.sleep(1)  # let the worker's threads take them and block on the bodies
        timings = []
        for _ in range(3):
            started = time.monotonic()
            response = requests.get(f"{server.url}/healthz", timeout=5)
            timings.append(time.monotonic() - started)
            assert response.status_code == 200
            assert response.json()["database"] == "ok"
        assert min(timings) < 1.0, timings
    finally:
        for sock in hanging:
            sock.close()


def test_gunicorn_conf_uses_threaded_workers():
    namespace: dict = {}
    exec(compile((ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)
    assert namespace["worker_class"] == "gthread"
    assert namespace["threads"] >= 4 and namespace["workers"] >= 1
    assert namespace["accesslog"] is None  # Django's JSON access line, without query strings


def test_a_300_mb_upload_is_refused_from_its_headers_by_gunicorn(start_servers, db):
    [server] = start_servers(1)
    sock = half_sent_upload(server.url, declared=300 * 1024 * 1024, sent=1024)
    try:
        sock.settimeout(10)
        answer = sock.recv(65536).decode(errors="replace")
    finally:
        sock.close()
    assert answer.startswith("HTTP/1.1 413")
    assert "Kiriman terlalu besar" in answer or "413" in answer


@pytest.mark.parametrize("path", ["/accounts/login/", "/usulan/BB-2026-00001/lampiran/"])
def test_a_declared_body_over_the_limit_gets_the_indonesian_413_page(client, db, settings, path):
    settings.MAX_REQUEST_BODY_BYTES = 1024 * 1024
    response = client.post(path, {"x": "y"}, CONTENT_LENGTH=str(300 * 1024 * 1024))

    assert response.status_code == 413
    body = response.content.decode()
    assert "Kiriman terlalu besar" in body and "paling banyak 1 MB" in body
    assert "Tidak ada yang disimpan" in body


def test_a_body_within_the_limit_goes_on_to_the_view(client, db, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1024 * 1024
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code != 413
