"""Interfaces between layers. Services depend on these, never on concrete classes,
so tests can pass small fakes (see ``tests/fakes.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from triage_app.core.intake import Intake
from triage_app.core.results import Escalation, ModelInfo, RedactionSpan, WordAttribution


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


__all__ = ["Classifier", "Explainer", "RedactedText", "Redactor", "RuleEngine"]
