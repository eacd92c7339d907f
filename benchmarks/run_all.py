"""Run every benchmark in this folder, one after another, in fresh processes.

``make bench`` calls this. Each benchmark writes benchmarks/out/<name>.json and its own
RESULTS_<topic>.md section; RESULTS.md collects them with the machine description.
Benchmarks are never part of the test suite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failures = 0
    for script in sorted(HERE.glob("*_bench.py")):
        module = f"benchmarks.{script.stem}"
        print(f"== {module}", flush=True)
        code = subprocess.call([sys.executable, "-m", module], cwd=HERE.parent)
        if code != 0:
            print(f"!! {module} exited with {code}", flush=True)
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
