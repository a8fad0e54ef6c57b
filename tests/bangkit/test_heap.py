"""bangkit.heap: the collector set for a long-running process, as bangkit.wsgi loads it."""

import gc
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from bangkit import heap

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def restored_collector():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    gc.enable()


def test_settle_freezes_what_exists_and_collects_the_young_less_often(restored_collector):
    gc.unfreeze()
    _, middle, old = gc.get_threshold()
    kept = [object() for _ in range(10)]  # noqa: F841 (alive at settle: frozen with the rest)
    heap.settle()
    assert gc.get_freeze_count() > 1_000
    assert gc.get_threshold() == (heap.YOUNG, middle, old)
    assert gc.isenabled()


def test_settle_frees_startup_garbage_instead_of_freezing_it(restored_collector):
    gc.unfreeze()
    gc.disable()  # no collection of its own between the cycle's making and settle()

    class Cycle:
        pass

    garbage = Cycle()
    garbage.me = garbage
    gone = weakref.ref(garbage)
    del garbage
    assert gone() is not None  # a cycle: only the collector frees it
    heap.settle()
    assert gone() is None


def test_the_wsgi_application_settles_the_collector_once_loaded():
    """A fresh interpreter, as gunicorn's worker or runserver loads the application."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bangkit.test_settings"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, sys, bangkit.wsgi; "
            "print(gc.get_freeze_count(), gc.get_threshold()[0], 'bangkit.urls' in sys.modules)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    frozen, young, urls_loaded = done.stdout.split()
    assert int(frozen) > 50_000
    assert int(young) == heap.YOUNG
    assert urls_loaded == "True"
