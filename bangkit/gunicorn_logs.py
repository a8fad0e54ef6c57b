"""gunicorn's own log lines in the app's format: JSON, UTC, the request id, no personal data.

`gunicorn.conf.py` names `GunicornLogger` as gunicorn's `logger_class`. Its error log (workers
booting and exiting, a worker timeout, "Error handling request") and, when switched on, its
access log are written by `bangkit.logs.JsonFormatter` through `RedactPersonalData`, as every
line of the app is:

- an access line has method, path, status, duration_ms, bytes and the request's id (the
  X-Request-ID the app returned), never the query string (a tracking lookup carries a NIK),
  the client's address, the referrer or the user agent;
- an error line that names a request names its path only: gunicorn writes the whole URI;
- NIKs, phone numbers and e-mail addresses left in any message are replaced.

Django writes its own access line per request (`bangkit.access`), so gunicorn's is off unless
GUNICORN_ACCESS_LOG is set ("-" for standard output, or a file).
"""

from gunicorn.glogging import Logger

from bangkit.logs import JsonFormatter, RedactPersonalData, request_id_var


def without_query(value):
    """A request URI without its query string; anything else unchanged."""
    if isinstance(value, str) and value.startswith("/") and "?" in value:
        return value.split("?", 1)[0]
    return value


def _error_log(level: str):
    """gunicorn's ``Logger.<level>``: to the error log, request URIs without their query."""

    def write(self, msg, *args, **kwargs):
        getattr(self.error_log, level)(msg, *map(without_query, args), **kwargs)

    write.__name__ = write.__qualname__ = level
    return write


class GunicornLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())
                if not any(isinstance(f, RedactPersonalData) for f in handler.filters):
                    handler.addFilter(RedactPersonalData())

    def log(self, lvl, msg, *args, **kwargs):
        super().log(lvl, msg, *map(without_query, args), **kwargs)

    critical = _error_log("critical")
    error = _error_log("error")
    warning = _error_log("warning")
    info = _error_log("info")
    debug = _error_log("debug")
    exception = _error_log("exception")

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        request_id = ""
        for name, value in resp.headers:
            if name.lower() == "x-request-id":
                request_id = value
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        # The record factory stamps the id from here (an `extra` of the same name would clash).
        token = request_id_var.set(request_id)
        try:
            self.access_log.info(
                "%s %s %s",
                method,
                path,
                status,
                extra={
                    "method": method,
                    "path": path,
                    "status": int(status) if str(status).isdigit() else status,
                    "duration_ms": round(request_time.total_seconds() * 1000, 1),
                    "bytes": getattr(resp, "sent", None),
                },
            )
        except Exception:
            self.error_log.exception("gunicorn access line not written")
        finally:
            request_id_var.reset(token)
