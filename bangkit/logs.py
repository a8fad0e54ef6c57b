"""Structured logs: one JSON object a line, each with the request's id, and no personal data.

`RequestIdMiddleware` takes the id from the proxy's X-Request-ID header (nginx sets it; a
client's own value is kept only when it looks like an id) or makes one, returns it in the
response's X-Request-ID header, and writes one access line per request: method, path, status,
duration, the user's numeric id. Never the query string (a tracking lookup carries a NIK),
never a user name or e-mail address.

`RedactPersonalData` runs on every record before it is written, whatever logger wrote it
(ours, Django's "Not Found: /path", a driver's error): 16-digit numbers (NIK), Indonesian phone
numbers and e-mail addresses in the message, its arguments and a traceback are replaced by
placeholders. Names cannot be recognised in free text: code never logs them (only ids).
"""

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

access_logger = logging.getLogger("bangkit.access")

HEADER = "X-Request-ID"
# What a proxy or client may send as an id: short, no spaces or control characters.
VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# A NIK is 16 digits; any run of 15 to 20 digits (a NIK with a digit too many or few) goes too.
NIK = re.compile(r"(?<!\d)\d{15,20}(?!\d)")
# +62 / 62 / 0 then 8, 8 to 12 more digits, optionally grouped with spaces, dots or dashes.
PHONE = re.compile(r"(?<![\w])(?:\+?62|0)[\s.-]?8\d{1,3}(?:[\s.-]?\d{2,4}){2,3}(?!\d)")


def _stamped_records(factory):
    """A record factory that names the current request's id on every record, whichever
    handler (and whichever thread's formatter) writes it later."""

    def make(*args, **kwargs):
        record = factory(*args, **kwargs)
        request_id = request_id_var.get()
        if request_id:
            record.request_id = request_id
        return record

    make.stamps_request_id = True
    return make


if not getattr(logging.getLogRecordFactory(), "stamps_request_id", False):
    logging.setLogRecordFactory(_stamped_records(logging.getLogRecordFactory()))

# The fields of a LogRecord that are not a caller's `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def redact(text: str) -> str:
    """`text` with e-mail addresses, NIKs and phone numbers replaced."""
    text = EMAIL.sub("[email]", text)
    text = NIK.sub("[nik]", text)
    return PHONE.sub("[telepon]", text)


class RedactPersonalData(logging.Filter):
    """Replaces personal data in the record's message, extras and traceback (see the module)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what was given
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        # The traceback is in exc_text now: the formatter must not print the raw one again.
        record.exc_info = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "")
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key in _STANDARD or key == "request_id" or key.startswith("_"):
                continue
            if key == "request":
                # Django's request loggers pass the request: its repr has the query string.
                value = redact(getattr(value, "path", "") or "")
            entry[key] = value if isinstance(value, int | float | bool | None) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def new_id() -> str:
    """A new request id: a uuid4 in hex, drawn again in the rare case that a run of its digits
    reads as a NIK or a phone number (the log would redact that run and break the id)."""
    while True:
        drawn = uuid.uuid4().hex
        if redact(drawn) == drawn:
            return drawn


def incoming_id(request) -> str:
    """The id the proxy sent, when it looks like one and carries nothing the log redacts;
    else a new one."""
    sent = request.META.get("HTTP_X_REQUEST_ID", "")
    return sent if VALID_ID.match(sent) and redact(sent) == sent else new_id()


class RequestIdMiddleware:
    """Give every request an id (logged and returned) and write its access line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = incoming_id(request)
        # Kept until the response is closed (request_finished): Django's own "Not Found" and
        # error lines are written after the middlewares returned.
        request_id_var.set(request.request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response[HEADER] = request.request_id
        user = getattr(request, "user", None)
        access_logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


def forget_request_id(**kwargs) -> None:
    """request_finished receiver: lines written between requests name none."""
    request_id_var.set("")
