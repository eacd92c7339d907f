"""GUI start-up: time to a visible window and to the first suggestion.

Launches the real app (``python main.py``) in fresh subprocesses with
``TRIAGE_APP_STARTUP_TRACE`` set: the app appends timestamps for ``window_shown``,
``service_ready`` (model, rules loaded), ``first_suggestion`` (one built-in, PHI-free
case classified through the window) and ``first_explanation`` (its word attributions),
then quits. ``TRIAGE_APP_LAUNCH_T0`` carries the launcher's clock taken just before the
process starts, so the numbers include interpreter start-up and imports.

Run 0 uses a fresh data directory (creates the passphrase-derived key); runs 1..N reuse it.

Run: ``.venv/bin/python -m benchmarks.startup_bench [--runs 5] [--platform offscreen|xcb]``
(use ``xvfb-run -a`` with ``--platform xcb`` for a real X server). Writes
benchmarks/out/startup_bench.json and benchmarks/out/startup_bench.md. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
EVENTS = ("window_shown", "service_ready", "first_suggestion", "first_explanation")


def launch_once(data_dir: Path, qpa: str, timeout: float) -> dict[str, Any]:
    trace = Path(tempfile.mkstemp(prefix="startup-", suffix=".jsonl")[1])
    trace.write_text("")
    env = dict(os.environ)
    env.update(
        {
            "TRIAGE_APP_DATA_DIR": str(data_dir),
            "TRIAGE_APP_PASSPHRASE": "startup benchmark passphrase",
            "TRIAGE_APP_STARTUP_TRACE": str(trace),
            "QT_QPA_PLATFORM": qpa,
            "OMP_NUM_THREADS": env.get("OMP_NUM_THREADS", "1"),
        }
    )
    t0 = time.time()
    env["TRIAGE_APP_LAUNCH_T0"] = repr(t0)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env, timeout=timeout, capture_output=True, text=True
    )
    events: dict[str, Any] = {}
    for line in trace.read_text().splitlines():
        rec = json.loads(line)
        events.setdefault(rec["event"], rec)
    trace.unlink(missing_ok=True)
    out: dict[str, Any] = {"exit_code": proc.returncode, "wall_s": round(time.time() - t0, 3)}
    for name in EVENTS:
        if name in events:
            out[f"{name}_s"] = round(events[name]["t"] - t0, 3)
    out["torch_at_window"] = events.get("window_shown", {}).get("torch_loaded")
    out["torch_at_first_suggestion"] = events.get("first_suggestion", {}).get("torch_loaded")
    out["model_ready"] = events.get("service_ready", {}).get("model_ready")
    return out


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for name in EVENTS:
        values = [r[f"{name}_s"] for r in runs if f"{name}_s" in r]
        if values:
            summary[name] = {
                "median_s": round(statistics.median(values), 3),
                "min_s": round(min(values), 3),
                "max_s": round(max(values), 3),
                "n": len(values),
            }
    return summary


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "## GUI start-up (benchmarks/startup_bench.py)",
        "",
        f"Machine: {result['machine']}. Qt platform: `{result['qpa']}`. Model: `{result['model']}`.",
        "",
        "| event (seconds after launch) | first launch (new data dir, key created) | later launches: median (min–max) | target |",
        "|---|---|---|---|",
    ]
    targets = {"window_shown": "≤ 1.5 s", "first_suggestion": "≤ 3 s"}
    first = result["first_launch"]
    for name in EVENTS:
        s = result["later_launches"].get(name)
        later = f"{s['median_s']:.2f} ({s['min_s']:.2f}–{s['max_s']:.2f})" if s else "—"
        f = first.get(f"{name}_s")
        lines.append(f"| {name} | {f:.2f} |" if f is not None else f"| {name} | — |")
        lines[-1] += f" {later} | {targets.get(name, '')} |"
    lines += [
        "",
        f"torch imported when the window appeared: {first.get('torch_at_window')}; "
        f"at the first suggestion: {first.get('torch_at_first_suggestion')} (the fast path is onnxruntime).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="launches after the first one")
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("--machine", default=f"{platform.machine()} {os.cpu_count()}-core CPU, no GPU, shared with other jobs")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="startup-bench-"))
    first = launch_once(data_dir, args.platform, args.timeout)
    print("first launch:", first, flush=True)
    later = []
    for i in range(args.runs):
        run = launch_once(data_dir, args.platform, args.timeout)
        print(f"launch {i + 1}:", run, flush=True)
        later.append(run)
    manifest = ROOT / "models" / "default" / "manifest.json"
    model = "absent"
    if manifest.is_file():
        m = json.loads(manifest.read_text())
        model = f"{m.get('name')} {m.get('version')}"
    result = {
        "machine": args.machine,
        "qpa": args.platform,
        "model": model,
        "first_launch": first,
        "later_runs": later,
        "later_launches": summarise(later),
    }
    (OUT / "startup_bench.json").write_text(json.dumps(result, indent=2))
    (OUT / "startup_bench.md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
