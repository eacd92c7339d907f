"""Domain results shared by services, UI, store, PDF and CLI.

All are frozen dataclasses with ``to_dict``/``from_dict`` so the store, the CLI's JSONL
and ``report --from`` speak one JSON shape. None of them ever holds unredacted text:
:class:`TriageResult` carries the *redacted* intake only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from triage_app.core.acuity import AcuityLevel, acuity_level
from triage_app.core.intake import Intake


@dataclass(frozen=True)
class Escalation:
    """A safety rule that demanded a level at least as urgent as ``min_level``.

    Attributes:
        rule: Stable rule id, e.g. ``"vitals.spo2_low"`` or ``"flag.chest_pain_diaphoresis"``.
        reason: Human-readable reason shown to the clinician.
        min_level: The least urgent level the rule allows (1–5).
        source: Citation for the criterion (e.g. "ESI v4 decision point D").
        evidence: What triggered it: a vital value or the matched phrase in the redacted text.
    """

    rule: str
    reason: str
    min_level: int
    source: str = ""
    evidence: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Escalation:
        return cls(**{k: data[k] for k in ("rule", "reason", "min_level") }, source=data.get("source", ""), evidence=data.get("evidence", ""))


@dataclass(frozen=True)
class WordAttribution:
    """Contribution of one word of the shown (redacted) text to a target level.

    ``start``/``end`` are character offsets into the redacted text; ``score`` is signed
    (positive supports the target level) and normalised to [-1, 1] for display.
    """

    start: int
    end: int
    word: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WordAttribution:
        return cls(int(data["start"]), int(data["end"]), str(data["word"]), float(data["score"]))


@dataclass(frozen=True)
class RedactionSpan:
    """A span of the *original* text that was replaced by ``placeholder`` (e.g. ``[NAME_1]``)."""

    start: int
    end: int
    label: str
    placeholder: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RedactionSpan:
        return cls(int(data["start"]), int(data["end"]), str(data["label"]), str(data.get("placeholder", "")))


@dataclass(frozen=True)
class ModelInfo:
    """Identity of the model that produced a suggestion."""

    name: str
    version: str
    sha256: str

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelInfo:
        return cls(str(data["name"]), str(data["version"]), str(data["sha256"]))


@dataclass(frozen=True)
class TriageResult:
    """Everything the UI, PDF and store need about one triaged case.

    Attributes:
        intake: The intake with its text already redacted.
        probabilities: Calibrated probabilities for levels 1..5 (index 0 is level 1).
        model_level: The model's most probable level.
        escalations: Safety-rule escalations (may be empty).
        final_level: The suggested level: most urgent of model and rules.
        uncertain: True when the suggestion needs careful review.
        uncertainty_reasons: Why it is uncertain, in plain words.
        model: The model that produced the probabilities.
        device: Human-readable device status ("CPU (onnxruntime int8)").
        timings_ms: Step name -> milliseconds.
        attributions: Word attributions towards ``attribution_target`` (may be empty).
        attribution_method: "fast" or "ig" when attributions are present.
        attribution_target: The level the attributions explain.
        attribution_delta: IG convergence delta, when method is "ig".
        warnings: Non-fatal notes (e.g. "text looks non-English").
    """

    intake: Intake
    probabilities: tuple[float, ...]
    model_level: int
    escalations: tuple[Escalation, ...]
    final_level: int
    uncertain: bool
    model: ModelInfo
    device: str
    uncertainty_reasons: tuple[str, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    attributions: tuple[WordAttribution, ...] = ()
    attribution_method: str | None = None
    attribution_target: int | None = None
    attribution_delta: float | None = None
    warnings: tuple[str, ...] = ()

    @property
    def redacted_text(self) -> str:
        return self.intake.text

    @property
    def level(self) -> AcuityLevel:
        return acuity_level(self.final_level)

    @property
    def escalated(self) -> bool:
        return self.final_level < self.model_level

    def with_attributions(
        self,
        attributions: tuple[WordAttribution, ...] | list[WordAttribution],
        method: str,
        target: int,
        delta: float | None = None,
    ) -> TriageResult:
        return replace(
            self,
            attributions=tuple(attributions),
            attribution_method=method,
            attribution_target=target,
            attribution_delta=delta,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "intake": self.intake.to_dict(),
            "probabilities": {str(i + 1): p for i, p in enumerate(self.probabilities)},
            "model_level": self.model_level,
            "escalations": [e.to_dict() for e in self.escalations],
            "level": self.final_level,
            "level_name": self.level.name,
            "uncertain": self.uncertain,
            "uncertainty_reasons": list(self.uncertainty_reasons),
            "model": self.model.to_dict(),
            "device": self.device,
            "timings_ms": dict(self.timings_ms),
            "attributions": [a.to_dict() for a in self.attributions],
            "attribution_method": self.attribution_method,
            "attribution_target": self.attribution_target,
            "attribution_delta": self.attribution_delta,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TriageResult:
        probs = data["probabilities"]
        if isinstance(probs, dict):
            probs = [float(probs[str(i)]) for i in range(1, 6)]
        return cls(
            intake=Intake.from_dict(data["intake"]),
            probabilities=tuple(float(p) for p in probs),
            model_level=int(data["model_level"]),
            escalations=tuple(Escalation.from_dict(e) for e in data.get("escalations", [])),
            final_level=int(data.get("level", data.get("final_level"))),
            uncertain=bool(data.get("uncertain", False)),
            uncertainty_reasons=tuple(data.get("uncertainty_reasons", [])),
            model=ModelInfo.from_dict(data["model"]),
            device=str(data.get("device", "")),
            timings_ms=dict(data.get("timings_ms", {})),
            attributions=tuple(WordAttribution.from_dict(a) for a in data.get("attributions", [])),
            attribution_method=data.get("attribution_method"),
            attribution_target=data.get("attribution_target"),
            attribution_delta=data.get("attribution_delta"),
            warnings=tuple(data.get("warnings", [])),
        )


@dataclass(frozen=True)
class CaseRecord:
    """A saved case: the result plus the clinician's decision.

    Attributes:
        case_id: Opaque id (no PHI), e.g. a UUID4 hex.
        created_at: ISO-8601 UTC timestamp.
        result: The triage result (redacted).
        final_level: The clinician's decided level.
        override_reason: Required when ``final_level`` differs from the suggestion.
        clinician: Clinician name from settings.
        redaction_spans: The approved redactions (offsets into the original text;
            labels only, the original text is never kept).
    """

    case_id: str
    created_at: str
    result: TriageResult
    final_level: int
    clinician: str = ""
    override_reason: str = ""
    redaction_spans: tuple[RedactionSpan, ...] = ()

    @property
    def overridden(self) -> bool:
        return self.final_level != self.result.final_level

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "created_at": self.created_at,
            "result": self.result.to_dict(),
            "final_level": self.final_level,
            "clinician": self.clinician,
            "override_reason": self.override_reason,
            "redaction_spans": [s.to_dict() for s in self.redaction_spans],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CaseRecord:
        return cls(
            case_id=str(data["case_id"]),
            created_at=str(data["created_at"]),
            result=TriageResult.from_dict(data["result"]),
            final_level=int(data["final_level"]),
            clinician=str(data.get("clinician", "")),
            override_reason=str(data.get("override_reason", "")),
            redaction_spans=tuple(RedactionSpan.from_dict(s) for s in data.get("redaction_spans", [])),
        )


__all__ = [
    "CaseRecord",
    "Escalation",
    "ModelInfo",
    "RedactionSpan",
    "TriageResult",
    "WordAttribution",
]
