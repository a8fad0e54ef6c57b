"""gunicorn's settings for Bangkit Berdaya: `gunicorn -c gunicorn.conf.py bangkit.wsgi`.

Threaded workers (gthread): a client that sends its request slowly holds one thread, not a
whole process, and a connection whose request has not arrived yet waits in the worker's poller,
not in a thread. Three half-sent uploads used to hold all three sync workers and /healthz
timed out; now they hold three of WORKERS × THREADS threads (tests/ops/test_slow_clients.py).
In production nginx buffers every request body before passing it on (docs/DEPLOY.md), so the
app servers only ever see whole requests.

Every value can be set from the environment (the systemd unit's EnvironmentFile).
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
# Two processes per core is plenty with threads; each holds its own database connections.
workers = _int("GUNICORN_WORKERS", 2 * (os.cpu_count() or 1))
threads = _int("GUNICORN_THREADS", 8)
# A worker silent this long is killed and replaced (a PDF batch runs in the task worker, not
# here, so no request should come near it).
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then, with jitter so they do not all restart at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# The request line and headers: small, as any browser sends (bodies are limited by Django's
# MAX_REQUEST_BODY_BYTES and nginx's client_max_body_size).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
# Only the proxy on this machine may set X-Forwarded-For / -Proto.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn's own lines are JSON like the app's, with the request id and no personal data
# (bangkit/gunicorn_logs.py: paths without query strings, NIKs and phone numbers replaced).
logger_class = "bangkit.gunicorn_logs.GunicornLogger"
# Django writes one JSON access line per request (bangkit/logs.py); gunicorn's own access line
# (the same fields, timed from gunicorn's side) only when GUNICORN_ACCESS_LOG is set: "-" or a
# file.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = os.environ.get("GUNICORN_ERROR_LOG") or "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "bangkit"
# gunicorn's control socket (gunicornc) defaults to one path per user: two instances on one
# machine (two sites, the tests' two servers) would take each other's. Off unless a path is set.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True


def child_exit(server, worker):
    """Forget a dead worker's metrics files (prometheus_client's multi-process mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
