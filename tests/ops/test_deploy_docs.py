"""The files docs/DEPLOY.md installs (deploy/) are right: nginx accepts its configuration,
systemd its units, the units run real manage.py commands with real settings, the settings file
is read alike by systemd and the shell, and the backup rotation keeps what it says.

`nginx -t` and `systemd-analyze verify` run only where the tools are installed (Debian's
`nginx` and `systemd` packages); the test says so when it skips.
"""

import configparser
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

from tests.test_dependencies import DEV_LOCK, declared, locked

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOC = ROOT / "docs" / "DEPLOY.md"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
APP_DIR = "/srv/bangkit/app"
ENV_FILE = "/etc/bangkit/env"


def env_example() -> dict[str, str]:
    lines = (DEPLOY / "env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {key: value for key, value in pairs}


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def has_ipv6() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


def exec_lines(path: Path) -> list[str]:
    return [
        line.split("=", 1)[1]
        for line in path.read_text().splitlines()
        if re.match(r"ExecStart(Pre|Post)?=", line)
    ]


# ---- the settings file ---------------------------------------------------------------------


def test_env_example_lines_read_alike_by_systemd_and_the_shell():
    for number, line in enumerate((DEPLOY / "env.example").read_text().splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", key), f"line {number}: {line!r}"
        # systemd keeps a trailing "# …" in the value; the shell would split on a space.
        assert not re.search(r"[\s#$'\"\\]", value), f"line {number}: {line!r}"


def test_env_example_names_only_settings_the_app_reads():
    read = (ROOT / "bangkit" / "settings.py").read_text() + (ROOT / "gunicorn.conf.py").read_text()
    for key in env_example():
        assert f'"{key}"' in read, f"{key} in deploy/env.example is read by nothing"


def test_env_example_leaves_the_metrics_folder_to_the_gunicorn_unit():
    """Every process with PROMETHEUS_MULTIPROC_DIR fails when the folder is missing."""
    assert "PROMETHEUS_MULTIPROC_DIR" not in env_example()
    gunicorn_unit = (DEPLOY / "systemd" / "bangkit.service").read_text()
    assert "Environment=PROMETHEUS_MULTIPROC_DIR=/run/bangkit/metrics" in gunicorn_unit
    assert "mkdir -p /run/bangkit/metrics" in gunicorn_unit


def test_env_example_agrees_with_the_nginx_site_and_gunicorn():
    values = env_example()
    site = (DEPLOY / "nginx" / "bangkit.conf").read_text()
    assert f"server {values['GUNICORN_BIND']};" in site
    assert f"alias {values['STATIC_ROOT']}/;" in site
    assert values["ALLOWED_HOSTS"].split(",")[0] in site
    assert "127.0.0.1" in values["ALLOWED_HOSTS"].split(",")  # the local /healthz probe
    assert values["RATELIMIT_PROXY_COUNT"] == "1"


# ---- systemd units -------------------------------------------------------------------------


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_unit_runs_as_the_app_with_its_settings(path):
    service = unit(path)["Service"]
    assert service["User"] == "bangkit"
    assert service["WorkingDirectory"] == APP_DIR
    assert service["EnvironmentFile"] == ENV_FILE


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_unit_commands_exist_in_the_repository(path):
    commands = get_commands()
    for line in exec_lines(path):
        for name in re.findall(r"manage\.py (\w+)", line):
            assert name in commands, f"{path.name}: manage.py {name} is no command"
        for program in re.findall(rf"{APP_DIR}/(\S+)", line):
            if program.startswith(".venv/bin/"):
                # The server's venv; here the one running the tests.
                assert (Path(sys.prefix) / program.removeprefix(".venv/")).exists(), program
                continue
            script = ROOT / program
            assert script.is_file(), f"{path.name}: {program} is not in the repository"
            assert script.stat().st_mode & stat.S_IXUSR, f"{program} is not executable"
        if "gunicorn" in line:
            config, module = re.search(r"-c (\S+) (\S+)$", line).groups()
            assert (ROOT / config).is_file()
            assert (ROOT / (module.replace(".", "/") + ".py")).is_file()


def test_timer_starts_the_backup_service():
    timer = unit(DEPLOY / "systemd" / "bangkit-backup.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:00 Asia/Jakarta"
    assert (DEPLOY / "systemd" / "bangkit-backup.service").is_file()  # the same name


def test_units_pass_systemd_analyze_verify(tmp_path):
    tool = shutil.which("systemd-analyze")
    if not tool:
        pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")
    # The units name the server's paths: here the checkout and this virtualenv stand in.
    for path in (DEPLOY / "systemd").iterdir():
        text = path.read_text().replace(f"{APP_DIR}/.venv", sys.prefix).replace(APP_DIR, str(ROOT))
        (tmp_path / path.name).write_text(text)
    files = sorted(str(path) for path in tmp_path.iterdir())
    result = subprocess.run(
        [tool, "verify", "--man=no", *files], capture_output=True, text=True, timeout=30
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not output, output


# ---- nginx ---------------------------------------------------------------------------------


def test_nginx_body_limit_is_the_apps():
    site = (DEPLOY / "nginx" / "bangkit.conf").read_text()
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert megabytes * 1024 * 1024 == settings.MAX_REQUEST_BODY_BYTES


def test_nginx_refuses_metrics_and_media_and_passes_the_request_id():
    site = (DEPLOY / "nginx" / "bangkit.conf").read_text()
    proxy = (DEPLOY / "nginx" / "bangkit_proxy.conf").read_text()
    assert "location = /metrics { return 404; }" in site
    assert "location /media/ { return 404; }" in site
    assert "proxy_set_header X-Request-ID $request_id;" in proxy
    assert "proxy_request_buffering on;" in proxy
    assert site.count("include /etc/nginx/snippets/bangkit_proxy.conf;") == 2


def test_nginx_accepts_the_site(tmp_path):
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not nginx:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx)")
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl is not installed: no certificate for the TLS server block")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=bangkit.test", "-keyout", "privkey.pem", "-out", "fullchain.pem"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=30,
    )
    # The site as installed, with this folder for the certificate, the snippet and the logs.
    proxy = tmp_path / "bangkit_proxy.conf"
    shutil.copy(DEPLOY / "nginx" / "bangkit_proxy.conf", proxy)
    site = (
        (DEPLOY / "nginx" / "bangkit.conf")
        .read_text()
        .replace("/etc/letsencrypt/live/bangkit.jambikota.go.id", str(tmp_path))
        .replace("/etc/nginx/snippets/bangkit_proxy.conf", str(proxy))
        .replace("/var/log/nginx/", f"{tmp_path}/")
    )
    # `nginx -t` binds the listening sockets: ports 80 and 443 need root, so free ones stand
    # in, and the IPv6 lines go where the machine has no IPv6.
    http, https = free_port(), free_port()
    site = re.sub(r"(listen (?:\[::\]:)?)80;", rf"\g<1>{http};", site)
    site = re.sub(r"(listen (?:\[::\]:)?)443 ", rf"\g<1>{https} ", site)
    if not has_ipv6():
        site = re.sub(r"\n\s*listen \[::\]:[^\n]*", "", site)
    assert f"listen {http};" in site and f"listen {https} ssl http2;" in site
    (tmp_path / "bangkit").write_text(site)
    # Debian's nginx.conf, in short: the site file is included inside http {}.
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\n  access_log {tmp_path}/access.log;\n"
        f"  include {tmp_path}/bangkit;\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
        + ["-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


# ---- scripts and the guide -----------------------------------------------------------------


def test_scripts_are_executable_shell():
    for name in ("rotate-backups.sh", "restore-drill.sh"):
        script = DEPLOY / name
        assert script.stat().st_mode & stat.S_IXUSR, f"{name} is not executable"
        result = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


def test_rotation_keeps_fourteen_daily_and_the_first_of_each_month(tmp_path):
    names = ["2026-09-30T0200", "2026-10-01T0200", "2026-10-02T0200"] + [
        f"2026-11-{day:02d}T0200" for day in range(1, 21)
    ]
    for name in names:
        (tmp_path / name).mkdir()
        if name != "2026-09-30T0200":  # an interrupted run: no manifest
            (tmp_path / name / "manifest.json").write_text("{}")
    old = (tmp_path / "2026-09-30T0200").stat().st_mtime - 3 * 86400
    os.utime(tmp_path / "2026-09-30T0200", (old, old))
    subprocess.run([str(DEPLOY / "rotate-backups.sh"), str(tmp_path)], check=True, timeout=30)
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert kept == ["2026-10-01T0200", "2026-11-01T0200"] + [
        f"2026-11-{day:02d}T0200" for day in range(7, 21)
    ]


def test_guide_names_every_deploy_file_and_only_existing_ones():
    guide = DOC.read_text()
    named = set(re.findall(r"deploy/([\w./-]+\w)", guide))
    for name in named:
        assert (DEPLOY / name).exists(), f"docs/DEPLOY.md names deploy/{name}, which is missing"
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            relative = path.relative_to(DEPLOY).as_posix()
            assert relative in named or path.name in guide, f"deploy/{relative} is not in the guide"


def test_the_lock_pins_what_debian12s_python_needs():
    # redis asks for async-timeout on Python < 3.11.3 (Debian 12 has 3.11.2); pip-compile on
    # a newer Python drops it unless pyproject.toml names it.
    lock = (ROOT / "requirements.lock").read_text().lower()
    assert "\nasync-timeout==" in lock


# Test and development tools: none belongs on a production server.
DEV_TOOLS = ("pytest", "ruff", "moto", "locust", "playwright", "factory-boy", "hypothesis")


def test_the_production_lock_holds_no_test_or_development_tool():
    runtime = locked()
    tools = sorted(
        name
        for name in runtime
        if name.startswith(DEV_TOOLS) or name in declared(dev=True) - declared()
    )
    assert tools == []
    # The split is real: the dev lock has them all (a renamed tool would not pass unseen).
    dev = locked(DEV_LOCK)
    assert {"pytest", "pytest-xdist", "pytest-playwright", "ruff", "moto", "locust"} <= set(dev)


def test_every_production_pin_is_the_same_in_the_dev_lock():
    """Tests and CI run on the versions a server installs."""
    runtime, dev = locked(), locked(DEV_LOCK)
    assert {"django", "gunicorn", "psycopg2-binary", "weasyprint"} <= set(runtime)
    differ = {name: (pin, dev.get(name)) for name, pin in runtime.items() if dev.get(name) != pin}
    assert differ == {}


def test_the_guide_installs_the_production_lock_only():
    installs = [line for line in DOC.read_text().splitlines() if "pip install" in line]
    assert installs
    for line in installs:
        assert "requirements-dev.lock" not in line, line
    assert any("-r requirements.lock" in line for line in installs)
