"""gunicorn's own log lines (bangkit/gunicorn_logs.py): JSON like the app's, with the request
id, never a query string, NIK or phone number."""

import io
import json
import logging
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from gunicorn.config import Config

from bangkit.gunicorn_logs import GunicornLogger, without_query

NIK = "1571024501900003"
PHONE = "081234567890"


def json_lines(text: str) -> list[dict]:
    """Every line of a log, parsed; a line that is not JSON fails the test, named."""
    entries = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
    return entries


@pytest.fixture
def gunicorn_logger():
    """gunicorn's logger as gunicorn.conf.py sets it up, its lines written to `logger.out`."""
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("errorlog", "-")
    logger = GunicornLogger(cfg)
    logger.out = io.StringIO()
    for log in (logger.error_log, logger.access_log):
        assert log.handlers
        for handler in log.handlers:
            handler.setStream(logger.out)
    yield logger
    for log in (logger.error_log, logger.access_log):
        for handler in list(log.handlers):
            log.removeHandler(handler)
    logging.getLogger("gunicorn.error").propagate = True


def test_an_error_line_names_the_path_without_its_query_and_no_personal_data(gunicorn_logger):
    try:
        raise ValueError(f"NIK {NIK} tidak valid")
    except ValueError:
        gunicorn_logger.exception("Error handling request %s", f"/lacak/?nik={NIK}&hp={PHONE}")
    gunicorn_logger.info("Booting worker with pid: %s", 4242)

    written = gunicorn_logger.out.getvalue()
    error, booting = json_lines(written)
    assert error["logger"] == "gunicorn.error" and error["level"] == "ERROR"
    assert error["message"] == "Error handling request /lacak/"
    assert "ValueError: NIK [nik] tidak valid" in error["exception"]
    assert booting["message"] == "Booting worker with pid: 4242"
    assert booting["time"].endswith("+00:00")
    assert NIK not in written and PHONE not in written


def test_an_access_line_has_the_request_id_and_the_path_only(gunicorn_logger):
    response = SimpleNamespace(
        status="404 Not Found", headers=[("X-Request-ID", "nginx-4f2a9c1b7d")], sent=1234
    )
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/lacak/",
        "QUERY_STRING": f"kode={NIK}",
        "RAW_URI": f"/lacak/?kode={NIK}",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_USER_AGENT": "Mozilla/5.0",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    gunicorn_logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(0, 0, 2500))

    out = gunicorn_logger.out.getvalue()
    [line] = json_lines(out)
    assert line["logger"] == "gunicorn.access"
    assert line["request_id"] == "nginx-4f2a9c1b7d"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/lacak/", 404)
    assert line["duration_ms"] == 2.5 and line["bytes"] == 1234
    for absent in (NIK, "10.0.0.7", "Mozilla"):
        assert absent not in out


def test_without_query_leaves_other_arguments_alone():
    assert without_query("/proyek/?tahun=2024") == "/proyek/"
    assert without_query("no path? kept") == "no path? kept"
    assert without_query(4242) == 4242


@pytest.mark.concurrency
def test_a_real_gunicorn_writes_only_json_lines_with_the_apps_request_ids(
    transactional_db, start_servers
):
    [server] = start_servers(1, GUNICORN_ACCESS_LOG="-", LOG_LEVEL="INFO")
    # Not /lacak/ itself: its rate limit counts in the shared cache, which other tests count on.
    looked_up = requests.get(f"{server.url}/proyek/", params={"q": NIK}, timeout=20)
    missing = requests.get(f"{server.url}/tidak-ada/", params={"hp": PHONE}, timeout=20)
    assert looked_up.status_code == 200 and missing.status_code == 404

    # gunicorn writes its access line once the response has gone out, after the app's own
    # line with the same id: wait for gunicorn's line of the last request itself.
    def gunicorn_access_ids() -> set:
        ids = set()
        for line in server.log.read_text().splitlines():
            if '"gunicorn.access"' in line and line.rstrip().endswith("}"):
                ids.add(json.loads(line).get("request_id"))
        return ids

    deadline = time.monotonic() + 10
    while missing.headers["X-Request-ID"] not in gunicorn_access_ids():
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.1)
    entries = json_lines(server.log.read_text())
    by_logger = {}
    for entry in entries:
        by_logger.setdefault(entry["logger"], []).append(entry)
    assert any(e["message"].startswith("Booting worker") for e in by_logger["gunicorn.error"])
    access = {e["request_id"]: e for e in by_logger["gunicorn.access"]}
    assert access[looked_up.headers["X-Request-ID"]]["path"] == "/proyek/"
    assert access[missing.headers["X-Request-ID"]]["status"] == 404
    # The app's own access line carries the same id.
    assert looked_up.headers["X-Request-ID"] in {
        e.get("request_id") for e in by_logger["bangkit.access"]
    }
    text = server.log.read_text()
    assert NIK not in text and PHONE not in text
