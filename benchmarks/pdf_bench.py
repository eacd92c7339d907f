"""PDF triage summary: render time and size for the sample cases, a 2,000-word note and AES-256.

Run: ``.venv/bin/python -m benchmarks.pdf_bench``. Writes benchmarks/out/pdf_bench.json and
benchmarks/RESULTS_pdf.md. The first render in a process also registers the fonts (parsing
two TTF files), so it is reported apart from the warm renders.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT_JSON = REPO / "benchmarks" / "out" / "pdf_bench.json"
OUT_MD = REPO / "benchmarks" / "RESULTS_pdf.md"
REPEATS = 7
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _long_text(words: int = 2000) -> str:
    vocab = "patient reports central chest pain with nausea since this morning no fever mild cough".split()
    return " ".join(vocab[i % len(vocab)] for i in range(words))


def main() -> int:
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(REPO / "scripts"))
    from pypdf import PdfReader
    from render_sample_pdfs import samples

    from triage_app.core.intake import Intake
    from triage_app.core.settings import Settings
    from triage_app.reporting.pdf import render_case_pdf

    settings = Settings(clinic_name="Clínica São José", clinician_name="Zoë Łukasiewicz")
    cases = samples()
    high = cases["high"]
    long_case = replace(
        high,
        result=replace(high.result, intake=Intake(_long_text(), age_years=67, sex="male", vitals=high.result.intake.vitals), attributions=()),
    )
    scenarios = {
        "high-acuity sample (7 escalations)": (cases["high"], None),
        "low-acuity sample": (cases["low"], None),
        "overridden sample": (cases["overridden"], None),
        "2,000-word complaint": (long_case, None),
        "high-acuity, AES-256 password": (cases["high"], "bench password"),
    }
    results: dict[str, dict[str, float | int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.pdf"
        start = time.perf_counter()
        render_case_pdf(cases["low"], out, settings=settings, now=NOW)
        first_ms = (time.perf_counter() - start) * 1000
        for name, (record, password) in scenarios.items():
            times = []
            for _ in range(REPEATS):
                start = time.perf_counter()
                render_case_pdf(record, out, settings=settings, now=NOW, password=password)
                times.append((time.perf_counter() - start) * 1000)
            reader = PdfReader(out)
            if password:
                reader.decrypt(password)
            results[name] = {
                "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "pages": len(reader.pages),
                "bytes": out.stat().st_size,
            }
    machine = f"{platform.machine()} 2-core CPU, no GPU, shared with other jobs (model training) at the time"
    payload = {"machine": machine, "python": platform.python_version(), "repeats": REPEATS, "first_render_ms": round(first_ms, 1), "scenarios": results}
    OUT_JSON.parent.mkdir(parents=True, exist_ok=True)
    OUT_JSON.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        "## PDF triage summary",
        "",
        f"Machine: {machine}. Python {payload['python']}, {datetime.now(UTC):%Y-%m-%d}. reportlab, DejaVu Sans embedded (subset).",
        f"Median of {REPEATS} renders each, in one process; the first render of a process (font registration) took "
        f"{first_ms:.0f} ms. Reproduce: `.venv/bin/python -m benchmarks.pdf_bench`.",
        "",
        "| case | median | max | pages | size |",
        "|---|---|---|---|---|",
    ]
    for name, row in results.items():
        lines.append(f"| {name} | {row['median_ms']} ms | {row['max_ms']} ms | {row['pages']} | {int(row['bytes']) / 1024:.0f} kB |")
    OUT_MD.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
