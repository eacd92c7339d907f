"""``triage-app self-test`` (also ``main.py --self-test``): prove an installation works.

Runs headless and offline: verifies the model bundle's hashes, runs one prediction, one
fast explanation and one redaction, saves and reloads one encrypted case in a throwaway
store (random key; the user's store and keyring are never touched), writes one PDF, and
prints a short report with timings and the device. Exit code 0 only if every check passed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage_app import __version__

#: A synthetic case with fake identifiers, so that the redaction step has something to do.
SAMPLE_TEXT = (
    "Pt John Smith, DOB 03/04/1961, MRN 8812345. c/o central chest pain radiating to left arm "
    "x 40 min, sweaty and nauseous. Wife Mary called 555-201-7788."
)
SAMPLE_INTAKE = {"text": SAMPLE_TEXT, "age": 64, "sex": "male", "vitals": {"hr": 112, "sbp": 98, "dbp": 60, "spo2": 95}}


@dataclass
class Check:
    name: str
    ok: bool = False
    ms: float = 0.0
    detail: str = ""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "self-test",
        help="Check this installation end to end (model, explanation, redaction, store, PDF).",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder for inspection.")
    parser.set_defaults(func=run)


def _step(checks: list[Check], name: str, fn: Callable[[], str]) -> Any:
    check = Check(name)
    checks.append(check)
    start = time.perf_counter()
    try:
        check.detail = fn() or ""
        check.ok = True
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none is fatal to the report
        check.detail = f"{type(exc).__name__}: {exc}"
        if os.environ.get("TRIAGE_APP_DEBUG"):
            traceback.print_exc()
    check.ms = (time.perf_counter() - start) * 1000
    return check.ok


def run(args: argparse.Namespace, ctx: Any) -> int:
    from triage_app.core.intake import Intake
    from triage_app.core.paths import resolve_paths

    checks: list[Check] = []
    state: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="selftest-", dir=ctx.paths.temp_dir))
    # The throwaway store lives in its own data dir, so nothing touches the user's data.
    tmp_paths = resolve_paths(work).ensure()

    def load_model() -> str:
        from triage_app.core.paths import default_models_dir
        from triage_app.ml.bundle import load_bundle
        from triage_app.services import TriageService

        model_dir = ctx.settings.model_dir or None
        bundle = load_bundle(Path(model_dir) if model_dir else default_models_dir() / "default")
        state["bundle"] = bundle
        service = TriageService.from_settings(ctx.settings, tmp_paths)
        if service.model_error is not None:
            raise service.model_error
        state["service"] = service
        info = service.model_info
        return f"{info.name} {info.version} sha256 {info.short_hash}, {len(bundle.manifest['files'])} files verified"

    def redact() -> str:
        # Independent of the model: redaction must work even when the model cannot load.
        from triage_app.privacy.redactor import default_redactor

        redacted = default_redactor().redact(SAMPLE_TEXT)
        for needle in ("John Smith", "8812345", "555-201-7788", "03/04/1961"):
            if needle in redacted.text:
                raise AssertionError("an identifier survived redaction")
        state["redacted"] = redacted
        return f"{len(redacted.spans)} identifiers replaced"

    def predict() -> str:
        result = state["service"].triage(Intake.from_dict(SAMPLE_INTAKE), redacted=state.get("redacted"), explain=False)
        state["result"] = result
        probs = ", ".join(f"{p:.2f}" for p in result.probabilities)
        return f"level {result.final_level} (model {result.model_level}; p = [{probs}])"

    def explain() -> str:
        result = state["service"].explain(state["result"], method="fast")
        if not result.attributions:
            raise AssertionError("no word attributions")
        state["result"] = result
        top = max(result.attributions, key=lambda a: a.score)
        return f"{len(result.attributions)} words scored; top supporting word: {top.word!r}"

    def store_roundtrip() -> str:
        from triage_app.core.results import CaseRecord
        from triage_app.privacy.store import CaseStore

        key = os.urandom(32)
        record = CaseRecord(
            case_id="selftest-" + os.urandom(4).hex(),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            result=state["result"],
            final_level=state["result"].final_level,
            clinician="Self-test",
        )
        store = CaseStore.open(tmp_paths.store_path, key)
        try:
            store.save(record)
        finally:
            store.close()
        store = CaseStore.open(tmp_paths.store_path, key)
        try:
            loaded = store.get(record.case_id)
        finally:
            store.close()
        if loaded.to_dict() != record.to_dict():
            raise AssertionError("the reloaded case differs from the saved one")
        raw = tmp_paths.store_path.read_bytes()
        if b"chest pain" in raw:
            raise AssertionError("complaint text found in clear in the database file")
        state["record"] = loaded
        return "saved, reloaded and compared; no clear text in the file"

    def pdf() -> str:
        from triage_app.reporting.pdf import render_case_pdf

        out = work / "selftest.pdf"
        settings = replace(ctx.settings, clinician_name="Self-test")
        render_case_pdf(state["record"], out, settings=settings, now=datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
        head = out.read_bytes()[:5]
        if head != b"%PDF-":
            raise AssertionError("output is not a PDF")
        return f"{out.stat().st_size:,} bytes"

    steps: list[tuple[str, Callable[[], str], tuple[str, ...]]] = [
        ("model bundle hashes + load", load_model, ()),
        ("redaction", redact, ()),
        ("prediction", predict, ("model bundle hashes + load",)),
        ("fast explanation", explain, ("prediction",)),
        ("encrypted store save/load", store_roundtrip, ("prediction",)),
        ("PDF summary", pdf, ("encrypted store save/load",)),
    ]
    done: dict[str, bool] = {}
    for name, fn, needs in steps:
        if all(done.get(n) for n in needs):
            done[name] = _step(checks, name, fn)
        else:
            checks.append(Check(name, False, 0.0, "skipped: an earlier step failed"))
            done[name] = False

    service = state.get("service")
    device = service.device_status if service is not None else "unknown (model not loaded)"
    print(f"Triage Assistant {__version__} self-test")
    print(f"python {sys.version.split()[0]} on {sys.platform}; device: {device}")
    for c in checks:
        print(f"  [{'PASS' if c.ok else 'FAIL'}] {c.name:<30} {c.ms:8.1f} ms  {c.detail}")
    failed = [c for c in checks if not c.ok]
    print("RESULT: " + ("all checks passed" if not failed else f"{len(failed)} check(s) failed"))
    if args.keep:
        print(f"kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if not failed else 1


__all__ = ["register", "run"]
