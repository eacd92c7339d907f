"""Pure-Python domain core: types, acuity scale, intake, safety rules, settings.

Never imports torch, onnxruntime, transformers, captum, reportlab or PySide6
(an import-linter contract checks this).
"""

from __future__ import annotations

from triage_app.core.acuity import ACUITY_SCALE, LEVEL_LABELS, AcuityLevel, acuity_level, most_urgent, tier
from triage_app.core.errors import ConfigError, InputError, ModelError, StoreError, TriageError
from triage_app.core.intake import Intake, Vitals
from triage_app.core.results import CaseRecord, Escalation, ModelInfo, RedactionSpan, TriageResult, WordAttribution

__all__ = [
    "ACUITY_SCALE",
    "LEVEL_LABELS",
    "AcuityLevel",
    "CaseRecord",
    "ConfigError",
    "Escalation",
    "InputError",
    "Intake",
    "ModelError",
    "ModelInfo",
    "RedactionSpan",
    "StoreError",
    "TriageError",
    "TriageResult",
    "Vitals",
    "WordAttribution",
    "acuity_level",
    "most_urgent",
    "tier",
]
