"""App servers for the operations tests: real gunicorn processes with the repository's
gunicorn.conf.py on the test database, and an S3 endpoint (moto in server mode).

The servers run `bangkit.test_settings` (the same password hasher as the factories) against
the test database this process created, so rows a test commits (`transactional_db`) are
theirs too. They are skipped, with the reason, only when gunicorn or moto cannot start here.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the test database this process uses (pytest-django's test_… name)."""
    conf = connection.settings_dict
    auth = conf["USER"] or ""
    if conf.get("PASSWORD"):
        auth += f":{conf['PASSWORD']}"
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _wait_until_healthy(servers: list[Server]) -> None:
    import requests

    deadline = time.monotonic() + STARTUP_SECONDS
    waiting = list(servers)
    while waiting and time.monotonic() < deadline:
        for server in list(waiting):
            if server.process.poll() is not None:
                pytest.skip(f"gunicorn could not start:\n{server.output()}")
            try:
                requests.get(f"{server.url}/healthz", timeout=5)
            except requests.RequestException:  # not listening yet, or still importing
                continue
            waiting.remove(server)
        time.sleep(0.3)
    if waiting:
        pytest.fail(f"gunicorn did not answer in {STARTUP_SECONDS} s:\n{waiting[0].output()}")


@pytest.fixture
def start_servers(tmp_path):
    """`start_servers(n, **env)`: n gunicorn instances on free ports, stopped afterwards."""
    started: list[Server] = []

    def start(count: int, **extra_env) -> list[Server]:
        if connection.vendor != "postgresql":
            pytest.skip("several app servers share one PostgreSQL database (DATABASE_URL)")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bangkit.test_settings",
            "DATABASE_URL": database_url(),
            "ALLOWED_HOSTS": "127.0.0.1",
            # No connection outlives a request: the test database is flushed and dropped.
            "CONN_MAX_AGE": "0",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "4",
            "LOG_LEVEL": "WARNING",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        # Multi-process metrics only when a test asks for them (its own directory).
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.update({key: str(value) for key, value in extra_env.items()})
        servers = []
        for _ in range(count):
            port = free_port()
            log = tmp_path / f"gunicorn-{port}.log"
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    str(ROOT / "gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "bangkit.wsgi",
                ],
                cwd=ROOT,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                # Its own process group: a worker outlives a killed master (one blocked in a
                # query never sees its parent gone), so the teardown kills the whole group.
                start_new_session=True,
            )
            servers.append(Server(f"http://127.0.0.1:{port}", process, log))
        started.extend(servers)
        _wait_until_healthy(servers)
        return servers

    yield start
    for server in started:
        server.process.send_signal(signal.SIGINT)  # quick shutdown: nothing to finish
    for server in started:
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)  # any worker left behind


@pytest.fixture
def s3_endpoint():
    """A moto S3 server on a free port with one empty bucket: (endpoint URL, bucket, client)."""
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # moto[server] is in requirements-dev.lock; say so if it is missing
        pytest.skip(f"moto[server] is not installed: {exc}")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    try:
        server.start()
    except Exception as exc:
        pytest.skip(f"moto's S3 server could not start: {exc}")
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket="bangkit-media")
    yield endpoint, "bangkit-media", client
    server.stop()


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
