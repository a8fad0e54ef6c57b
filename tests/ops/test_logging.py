"""Logs are JSON lines with the request id, and never hold a NIK, phone number or e-mail."""

import json
import logging

import pytest

from bangkit.logs import JsonFormatter, RedactPersonalData, redact


def emit(logger_name, *args, exc_info=None, **extra) -> dict:
    """What the production handler writes for one record, parsed back."""
    record = logging.getLogger(logger_name).makeRecord(
        logger_name, logging.WARNING, __file__, 1, args[0], args[1:], exc_info, extra=extra
    )
    RedactPersonalData().filter(record)
    return json.loads(JsonFormatter().format(record))


@pytest.mark.parametrize(
    "text, shown",
    [
        ("NIK 1571024501900003 ditolak", "NIK [nik] ditolak"),
        ("telepon 0812-3456-7890 atau +62 812 3456 789", "telepon [telepon] atau [telepon]"),
        ("ke 6281234567890", "ke [telepon]"),
        ("surat ke rt.kenanga@example.co.id gagal", "surat ke [email] gagal"),
        ("usulan BB-2026-00042, Rp 26.432.521.000, tahun 2026", None),
    ],
)
def test_redact_replaces_personal_data_and_leaves_codes_and_money(text, shown):
    assert redact(text) == (shown or text)


def test_a_record_is_redacted_in_message_arguments_extras_and_traceback():
    try:
        raise ValueError("NIK 1571024501900003 sudah terdaftar")
    except ValueError:
        import sys

        entry = emit(
            "proposals.services",
            "support refused for %s (%s)",
            "warga@example.com",
            "081234567890",
            exc_info=sys.exc_info(),
            contact="0812 3456 7890",
        )

    line = json.dumps(entry)
    for secret in ("1571024501900003", "warga@example.com", "081234567890", "0812 3456 7890"):
        assert secret not in line
    assert entry["message"] == "support refused for [email] ([telepon])"
    assert entry["contact"] == "[telepon]"
    assert "ValueError: NIK [nik] sudah terdaftar" in entry["exception"]
    assert entry["level"] == "WARNING" and entry["logger"] == "proposals.services"


def test_every_response_carries_a_request_id_and_one_json_access_line(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="bangkit.access"):
        response = client.get("/lacak/", {"kode": "1571024501900003"})

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    [record] = [r for r in caplog.records if r.name == "bangkit.access"]
    RedactPersonalData().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == request_id
    # An unknown code is a 404 page.
    assert entry["path"] == "/lacak/" and entry["status"] == 404 and entry["method"] == "GET"
    assert entry["user_id"] is None and entry["duration_ms"] >= 0
    # The query string (here a NIK typed into the tracking box) is never logged.
    assert "1571024501900003" not in json.dumps(entry)


def test_the_proxys_request_id_is_kept_and_a_malformed_one_replaced(client, db):
    kept = client.get("/healthz", headers={"x-request-id": "nginx-4f2a9c1b7d"})
    assert kept["X-Request-ID"] == "nginx-4f2a9c1b7d"

    replaced = client.get("/healthz", headers={"x-request-id": "<script>x</script>"})
    assert replaced["X-Request-ID"] != "<script>x</script>"
    assert len(replaced["X-Request-ID"]) == 32


def test_a_request_id_never_reads_as_personal_data(client, db, monkeypatch):
    """A uuid4's hex can hold a run of 15+ digits, which the log redacts as a NIK: such an id is
    drawn again, and a proxy's id with a NIK or a phone number in it is replaced."""
    import types
    import uuid

    from bangkit import logs

    drawn = iter(
        [
            uuid.UUID("39d7499369fd445992552322028cdf6e"),
            uuid.UUID("0123abcdef4567abcdef89abcdef0123"),
        ]
    )
    monkeypatch.setattr(
        logs, "uuid", types.SimpleNamespace(uuid4=lambda: next(drawn, uuid.uuid4()))
    )
    assert client.get("/healthz")["X-Request-ID"] == "0123abcdef4567abcdef89abcdef0123"
    sent = client.get("/healthz", headers={"X-Request-ID": "req-1571024501900003"})
    assert "1571024501900003" not in sent["X-Request-ID"]
    assert redact(sent["X-Request-ID"]) == sent["X-Request-ID"]


def test_log_lines_inside_a_request_name_its_id(client, db, caplog, monkeypatch):
    from bangkit import health

    def noisy():
        logging.getLogger("bangkit.health").warning("probe")
        return {"tasks": "ok"}

    monkeypatch.setattr(health, "check_tasks", noisy)
    with caplog.at_level(logging.WARNING, logger="bangkit.health"):
        response = client.get("/healthz")

    [record] = [r for r in caplog.records if r.name == "bangkit.health"]
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == response["X-Request-ID"]


def test_the_signed_in_user_is_logged_by_id_only(client, db, make_user, caplog):
    user = make_user("bappeda", username="siti.bappeda", email="siti@jambikota.go.id")
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="bangkit.access"):
        client.get("/")

    [record] = [r for r in caplog.records if r.name == "bangkit.access"]
    RedactPersonalData().filter(record)
    line = JsonFormatter().format(record)
    assert json.loads(line)["user_id"] == user.pk
    assert "siti" not in line


def test_production_logging_uses_the_json_formatter_and_the_redacting_filter(settings):
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["filters"] == ["redact"]
    assert settings.LOGGING["formatters"]["json"]["()"] == "bangkit.logs.JsonFormatter"


def test_djangos_request_loggers_leave_the_query_string_out(client, db, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(
            "/tidak-ada/", {"nik": "1571024501900003", "surel": "warga@example.com"}
        )

    [record] = [r for r in caplog.records if r.name == "django.request"]
    RedactPersonalData().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["request"] == "/tidak-ada/"
    # Written after the middlewares returned, still under the request's id.
    assert entry["request_id"] == response["X-Request-ID"]
    assert "1571024501900003" not in json.dumps(entry) and "warga@" not in json.dumps(entry)
