"""/metrics under gunicorn with several workers (bangkit/metrics.py): with
PROMETHEUS_MULTIPROC_DIR every worker's counts are added up, so any worker that answers the
scrape gives the same totals; without it each worker shows only its own."""

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.concurrency

TOKEN = "metrics-test-token"
PATH = "/proyek/tidak-ada-di-mana-pun/"


def not_found_count(text: str) -> float:
    """django-prometheus' count of 404 answers to GET (every view), as scraped."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith("django_http_responses_total_by_status_total{") and (
            'status="404"' in line
        ):
            total += float(line.rsplit(" ", 1)[1])
    return total


def scrape(url: str) -> str:
    response = requests.get(
        f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=20
    )
    assert response.status_code == 200, response.text[:300]
    return response.text


def fetch(url: str) -> int:
    # A new connection each time, so the kernel hands them to either worker.
    with requests.Session() as session:
        return session.get(url, timeout=30, headers={"Connection": "close"}).status_code


def pids_with_files(directory: Path) -> set[str]:
    return {m.group(1) for p in directory.iterdir() if (m := re.search(r"_(\d+)\.db$", p.name))}


def test_two_workers_count_together_in_multiprocess_mode(transactional_db, start_servers, tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    [server] = start_servers(
        1,
        GUNICORN_WORKERS=2,
        GUNICORN_THREADS=4,
        METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=metrics_dir,
    )
    sent = 0
    # Until both workers have answered some (almost always in the first round).
    for _ in range(5):
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(fetch, [server.url + PATH] * 40))
        assert set(statuses) == {404}
        sent += len(statuses)
        if len(pids_with_files(metrics_dir)) >= 2:
            break
    assert len(pids_with_files(metrics_dir)) >= 2, "one worker took every request"

    # Whichever worker answers the scrape, it reports every worker's requests.
    for _ in range(10):
        assert not_found_count(scrape(server.url)) == sent


def test_without_the_directory_each_worker_shows_its_own_counts(transactional_db, start_servers):
    """What /metrics shows when PROMETHEUS_MULTIPROC_DIR is not set (docs/DEPLOY.md): one
    worker's figures, a different part of the total depending on who answers."""
    [server] = start_servers(1, GUNICORN_WORKERS=2, GUNICORN_THREADS=4, METRICS_TOKEN=TOKEN)
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(fetch, [server.url + PATH] * 40)) == {404}
    seen = {not_found_count(scrape(server.url)) for _ in range(20)}
    assert all(count <= 40 for count in seen)
    assert min(seen) < 40, f"every scrape saw all 40: {seen} (one worker took them all?)"
