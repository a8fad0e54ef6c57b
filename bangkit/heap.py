"""The garbage collector, set for a long-running web process.

After startup a worker holds about 175,000 objects that live as long as it does: modules,
models, the URLconf, settings. CPython's cyclic collector walks the young objects every 700
net allocations and, now and then, every object it tracks. A page that builds thousands of
small objects (the ten-year dashboard: 13 tables, 1,452 cells, their links) triggered about a
hundred collections, and about one page in ten paid a full one of some 70 ms
(docs/BENCHMARKS.md, "the collector").

``settle()`` is what a server calls once the application is loaded (``bangkit/wsgi.py``):
- ``gc.freeze()`` moves everything startup made into a generation the collector never walks.
  Python's documentation recommends it for servers that fork their workers, and it keeps
  startup's pages shared between the processes;
- the youngest generation is collected after ``YOUNG`` net allocations, not 700: a request's
  short-lived objects are freed by reference counting long before, and cycles (tracebacks,
  querysets that point back at their model) wait a little longer to be freed.
Nothing else changes: the collector stays on, and whatever the process makes after startup is
collected as before.
"""

import gc

# Net allocations between two collections of the youngest generation (CPython's default is
# 700). The older two keep CPython's ratios.
YOUNG = 50_000


def settle() -> None:
    """Freeze what exists now and collect the young generation less often."""
    # Collect first, so that startup's garbage is freed, not frozen.
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG, middle, old)
