"""Interfaces between layers. Services depend on these, never on concrete classes,
so tests can pass small fakes (see ``tests/fakes.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from triage_app.core.intake import Intake
from triage_app.core.results import CaseRecord, Escalation, ModelInfo, RedactionSpan, WordAttribution


@dataclass(frozen=True)
class RedactedText:
    """Result of redaction: the text with typed placeholders, and the spans replaced.

    ``spans`` hold offsets into the *original* text.
    """

    text: str
    spans: tuple[RedactionSpan, ...] = ()


@runtime_checkable
class Redactor(Protocol):
    def redact(self, text: str) -> RedactedText: ...


@runtime_checkable
class Classifier(Protocol):
    """A calibrated acuity classifier over (redacted) text."""

    @property
    def info(self) -> ModelInfo: ...

    @property
    def device_status(self) -> str:
        """Which device runs, and why (never silent about a fallback)."""
        ...

    def predict_proba(self, texts: Sequence[str]) -> list[list[float]]:
        """Calibrated probabilities for levels 1..5, one list per text."""
        ...


@runtime_checkable
class Explainer(Protocol):
    def explain(self, text: str, target_level: int) -> list[WordAttribution]: ...


@runtime_checkable
class RuleEngine(Protocol):
    def evaluate(self, intake: Intake) -> list[Escalation]:
        """Escalations for an intake whose text is already redacted."""
        ...


@dataclass(frozen=True)
class CaseSummary:
    """One row of the history table. Holds no PHI (the snippet is redacted text)."""

    case_id: str
    created_at: str
    suggested_level: int
    final_level: int
    overridden: bool
    snippet: str
    clinician: str = ""


@runtime_checkable
class CaseRepository(Protocol):
    """The encrypted case store, behind one interface (SQLite now, PostgreSQL later)."""

    def save(self, record: CaseRecord) -> None: ...

    def get(self, case_id: str) -> CaseRecord: ...

    def search(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        level: int | None = None,
        text: str | None = None,
        limit: int = 500,
    ) -> list[CaseSummary]:
        """Newest first. ``since``/``until`` are ISO dates; ``level`` matches the final level."""
        ...

    def purge(self, older_than_days: int) -> int: ...

    def close(self) -> None: ...


@runtime_checkable
class AuditSink(Protocol):
    """Append-only audit log. ``action`` is one of: saved, viewed, exported, overridden,
    model_changed, key_rotated, purged, exported_with_identifiers, settings_changed."""

    def append(self, action: str, *, case_id: str | None = None, clinician: str = "", detail: str = "") -> None: ...


__all__ = [
    "AuditSink",
    "CaseRepository",
    "CaseSummary",
    "Classifier",
    "Explainer",
    "RedactedText",
    "Redactor",
    "RuleEngine",
]
