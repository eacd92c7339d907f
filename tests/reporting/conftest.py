"""PDF test helpers: case records built from plain values, and text extraction with pypdf."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from triage_app.core.intake import Intake, Vitals
from triage_app.core.results import CaseRecord, Escalation, ModelInfo, RedactionSpan, TriageResult, WordAttribution
from triage_app.core.settings import Settings

MODEL = ModelInfo("pdf-test-model", "2.3.4", "0123456789abcdef" * 4)
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)

HR_ESCALATION = Escalation(
    "vitals.hr_high", "Heart rate 131 is above 100 (age over 8 years): danger-zone vital sign.", 2, "ESI v4 decision point D", "HR 131"
)
FLAG_ESCALATION = Escalation(
    "flag.chest_pain_acs", "Chest pain with features of acute coronary syndrome.", 2, "ESI v4 decision point B", "crushing chest pain"
)


def build_record(
    *,
    text: str = "crushing chest pain since an hour, [NAME_1] says sweaty",
    probabilities: tuple[float, ...] = (0.1, 0.55, 0.25, 0.07, 0.03),
    model_level: int = 2,
    final_level: int | None = None,
    escalations: tuple[Escalation, ...] = (HR_ESCALATION, FLAG_ESCALATION),
    vitals: dict[str, Any] | None = None,
    decided: int | None = None,
    override_reason: str = "",
    uncertain: tuple[str, ...] = (),
    attributions: tuple[WordAttribution, ...] | None = None,
    case_id: str = "c0ffee00c0ffee00c0ffee00c0ffee00",
    clinician: str = "Zoë Łukasiewicz",
    age: float | None = 61,
    sex: str | None = "male",
    warnings: tuple[str, ...] = (),
) -> CaseRecord:
    """A saved case with redacted text; every field can be set from a test."""
    intake = Intake(text, age_years=age, sex=sex, vitals=Vitals.from_dict(vitals if vitals is not None else {"hr": 131, "spo2": 97, "sbp": 140, "dbp": 85}))
    level = final_level if final_level is not None else min([model_level, *(e.min_level for e in escalations)])
    if attributions is None:
        scores = (("crushing", 0.9), ("chest", 0.5), ("sweaty", -0.3))
        attributions = tuple(
            WordAttribution(text.index(w), text.index(w) + len(w), w, s) for w, s in scores if w in text
        )
    result = TriageResult(
        intake=intake,
        probabilities=probabilities,
        model_level=model_level,
        escalations=escalations,
        final_level=level,
        uncertain=bool(uncertain),
        uncertainty_reasons=uncertain,
        model=MODEL,
        device="CPU (test)",
        warnings=warnings,
    ).with_attributions(attributions, "fast", level)
    return CaseRecord(
        case_id=case_id,
        created_at="2026-11-28T11:45:00Z",
        result=result,
        final_level=level if decided is None else decided,
        clinician=clinician,
        override_reason=override_reason,
        redaction_spans=(RedactionSpan(30, 42, "NAME", "[NAME_1]"),),
    )


def pdf_text(path_or_bytes: Path | bytes, password: str | None = None) -> list[str]:
    """The text of each page, via pypdf."""
    from pypdf import PdfReader

    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    reader = PdfReader(io.BytesIO(data))
    if password is not None:
        reader.decrypt(password)
    return [page.extract_text() or "" for page in reader.pages]


def squash(text: str) -> str:
    """Whitespace-insensitive form of extracted text (pypdf breaks lines where the layout did)."""
    return " ".join(text.split())


@pytest.fixture
def settings() -> Settings:
    return Settings(clinic_name="Clínica São José", clinician_name="Zoë Łukasiewicz")


@pytest.fixture
def render(tmp_path: Path, settings: Settings) -> Callable[..., Path]:
    """Render a record to a fresh file under tmp_path with a fixed ``now``."""
    from triage_app.reporting.pdf import render_case_pdf

    counter = iter(range(10_000))

    def _render(record: CaseRecord | None = None, *, name: str | None = None, **kwargs: Any) -> Path:
        kwargs.setdefault("settings", settings)
        kwargs.setdefault("now", NOW)
        out = tmp_path / (name or f"case-{next(counter)}.pdf")
        return render_case_pdf(record or build_record(), out, **kwargs)

    return _render
