"""Run every benchmark in this folder, one after the other, and print their figures.

    .venv/bin/python bench/run.py          # or: make bench

Each bench_*.py is a standalone script (its docstring says what it measures and how); this
runner only saves typing. Figures and the machine they came from: docs/BENCHMARKS.md.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"   ({time.perf_counter() - started:.1f} s in all, exit {result.returncode})\n")
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
