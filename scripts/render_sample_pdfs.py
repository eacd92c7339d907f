"""Render three sample triage summaries to look at: high acuity, low acuity, overridden.

Usage::

    .venv/bin/python scripts/render_sample_pdfs.py [OUT_DIR]      # default /tmp/pdfs
    pdftoppm -png -r 80 /tmp/pdfs/high.pdf /tmp/pdfs/high          # then view the PNGs

The cases are synthetic (no real patient). Escalations come from the real safety rules
(core/rules.py) so the reasons, sources and danger-zone marks are the ones clinicians will see;
the probabilities and word scores are made up for the picture.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from triage_app.core.acuity import most_urgent  # noqa: E402
from triage_app.core.intake import Intake, Vitals  # noqa: E402
from triage_app.core.results import CaseRecord, ModelInfo, RedactionSpan, TriageResult, WordAttribution  # noqa: E402
from triage_app.core.rules import default_rules  # noqa: E402
from triage_app.core.settings import Settings  # noqa: E402
from triage_app.reporting.pdf import render_case_pdf  # noqa: E402

MODEL = ModelInfo("triage-minilm", "1.0.0", "3f9a1c7be25d40e8a9b6c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1")
NOW = datetime(2026, 11, 28, 19, 30, tzinfo=UTC)


def _attributions(text: str, scores: dict[str, float]) -> tuple[WordAttribution, ...]:
    out = []
    for m in re.finditer(r"[A-Za-z0-9']+", text):
        score = scores.get(m.group(0).lower())
        if score is not None:
            out.append(WordAttribution(m.start(), m.end(), m.group(0), score))
    return tuple(out)


def _record(
    case_id: str,
    text: str,
    *,
    age: float,
    sex: str,
    vitals: dict[str, float | str],
    probs: tuple[float, ...],
    scores: dict[str, float],
    final_level: int | None = None,
    reason: str = "",
    uncertain: tuple[str, ...] = (),
    spans: tuple[RedactionSpan, ...] = (),
) -> CaseRecord:
    intake = Intake(text, age_years=age, sex=sex, vitals=Vitals.from_dict(vitals))
    escalations = tuple(default_rules().evaluate(intake))
    model_level = max(range(5), key=lambda i: probs[i]) + 1
    level = most_urgent(model_level, *(e.min_level for e in escalations))
    result = TriageResult(
        intake=intake,
        probabilities=probs,
        model_level=model_level,
        escalations=escalations,
        final_level=level,
        uncertain=bool(uncertain),
        uncertainty_reasons=uncertain,
        model=MODEL,
        device="CPU (onnxruntime)",
    )
    result = result.with_attributions(_attributions(text, scores), "fast", level)
    return CaseRecord(
        case_id=case_id,
        created_at="2026-11-28T19:12:00+00:00",
        result=result,
        final_level=level if final_level is None else final_level,
        clinician="Zoë Łukasiewicz, RN",
        override_reason=reason,
        redaction_spans=spans,
    )


def samples() -> dict[str, CaseRecord]:
    """The three cases, keyed by file stem."""
    high = _record(
        "7c1e9a52d04b4f7e",
        "67 yo with crushing central chest pain radiating to the left arm since 40 minutes, sweaty and "
        "nauseated. Seen by [NAME_1] at [LOCATION_1] last week for reflux. Took aspirin at home. "
        "History of type 2 diabetes and hypertension.",
        age=67,
        sex="male",
        vitals={"hr": 128, "rr": 24, "sbp": 88, "dbp": 54, "spo2": 91, "temp_c": 36.9, "gcs": 15, "avpu": "A", "pain": 9},
        probs=(0.21, 0.58, 0.17, 0.03, 0.01),
        scores={"crushing": 0.92, "chest": 0.81, "pain": 0.66, "radiating": 0.55, "arm": 0.42, "sweaty": 0.74,
                "nauseated": 0.3, "reflux": -0.45, "aspirin": 0.18, "diabetes": 0.22, "week": -0.15},
        spans=(RedactionSpan(91, 103, "NAME", "[NAME_1]"), RedactionSpan(107, 121, "LOCATION", "[LOCATION_1]")),
    )
    low = _record(
        "b52f03c8e1a94d21",
        "Sore throat and runny nose for 3 days, no fever, eating and drinking normally. Wants a sick note for work.",
        age=24,
        sex="female",
        vitals={"hr": 78, "rr": 14, "sbp": 122, "dbp": 76, "spo2": 99, "temp_c": 37.1, "pain": 2},
        probs=(0.0, 0.01, 0.04, 0.22, 0.73),
        scores={"sore": 0.35, "throat": 0.62, "runny": 0.71, "nose": 0.48, "fever": -0.3, "normally": 0.52,
                "note": 0.44, "days": -0.12},
    )
    overridden = _record(
        "e0d4c7a1f9b84c36",
        "Fell off a bike this morning, pain and swelling of the right wrist, can move fingers, "
        "no head injury. Looks pale and anxious, says dizzy when standing.",
        age=15,
        sex="male",
        vitals={"hr": 96, "rr": 18, "sbp": 112, "dbp": 70, "spo2": 98, "temp_c": 36.6, "pain": 6},
        probs=(0.01, 0.06, 0.31, 0.47, 0.15),
        scores={"fell": 0.4, "bike": 0.31, "swelling": 0.52, "wrist": 0.66, "fingers": -0.38, "head": -0.2,
                "pale": -0.61, "dizzy": -0.72, "anxious": -0.25},
        final_level=3,
        reason="Pale and dizzy on standing after the fall: possible occult bleeding; reassess vitals in 15 minutes.",
        uncertain=("top probability 0.47 is below the calibrated 0.50",),
    )
    return {"high": high, "low": low, "overridden": overridden}


def main(argv: list[str]) -> int:
    out_dir = Path(argv[1]) if len(argv) > 1 else Path("/tmp/pdfs")
    settings = Settings(clinic_name="Clínica São José — Urgent Care", clinician_name="Zoë Łukasiewicz, RN")
    for stem, record in samples().items():
        paper = "Letter" if stem == "low" else "A4"
        path = render_case_pdf(record, out_dir / f"{stem}.pdf", settings=replace(settings, paper_size=paper), now=NOW)
        print(f"{path} ({path.stat().st_size:,} bytes, {paper})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
