"""What the PDF says, as plain data: pure Python, no reportlab, so it is testable on its own.

The renderer in :mod:`triage_app.reporting.pdf` only lays these values out. Danger-zone
vital signs are not re-derived here (no thresholds are duplicated): a value is marked when a
``vitals.*`` escalation from :mod:`triage_app.core.rules` names it in its evidence
(``"HR 130"``, ``"SBP 82, HR 128"``, ``"BP 190/125"``, ``"T 39.6 °C"``...), with the rule id as a
fallback when the evidence does not parse.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from triage_app.core.intake import Intake, Vitals
from triage_app.core.results import Escalation, RedactionSpan

#: Evidence token (upper-cased) -> the Vitals fields it names.
EVIDENCE_FIELDS: dict[str, tuple[str, ...]] = {
    "HR": ("hr",),
    "RR": ("rr",),
    "SPO2": ("spo2",),
    "SBP": ("sbp",),
    "DBP": ("dbp",),
    "BP": ("sbp", "dbp"),
    "T": ("temp_c",),
    "TEMP": ("temp_c",),
    "GCS": ("gcs",),
    "AVPU": ("avpu",),
    "PAIN": ("pain",),
}
#: A token followed by a reading (a digit, a '?' placeholder or an AVPU letter).
_EVIDENCE_RE = re.compile(r"(?<![\w])(HR|RR|SpO2|SBP|DBP|BP|T|Temp|GCS|AVPU|pain)\s*[:=]?\s*(?=[\d?]|[AVPU]\b)", re.IGNORECASE)
#: Fallback when a vitals rule's evidence names no reading: rule-id stem -> fields.
RULE_FIELDS: dict[str, tuple[str, ...]] = {
    "hr": ("hr",),
    "rr": ("rr",),
    "spo2": ("spo2",),
    "gcs": ("gcs",),
    "avpu": ("avpu",),
    "shock": ("sbp", "hr"),
    "hypotension": ("sbp",),
    "hypertension": ("sbp", "dbp"),
    "hypothermia": ("temp_c",),
    "hyperthermia": ("temp_c",),
    "infant": ("temp_c",),
    "severe": ("pain",),
}
VITALS_RULE_PREFIX = "vitals."


@dataclass(frozen=True)
class VitalCell:
    """One cell of the vitals table.

    Attributes:
        label: Column heading, e.g. "HR".
        unit: Unit shown under the heading, e.g. "/min".
        value: The reading as text, or "—" when not recorded.
        danger: True when a danger-zone safety rule fired on this value.
    """

    label: str
    unit: str
    value: str
    danger: bool


def danger_fields(escalations: Sequence[Escalation]) -> frozenset[str]:
    """Vitals fields named by ``vitals.*`` escalations (their evidence, else their rule id)."""
    marked: set[str] = set()
    for esc in escalations:
        if not esc.rule.startswith(VITALS_RULE_PREFIX):
            continue
        found = {f for m in _EVIDENCE_RE.finditer(esc.evidence or "") for f in EVIDENCE_FIELDS[m.group(1).upper()]}
        if not found:
            stem = esc.rule[len(VITALS_RULE_PREFIX) :].split("_", 1)[0]
            found = set(RULE_FIELDS.get(stem, ()))
        marked |= found
    return frozenset(marked)


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}" if digits else f"{value:g}"


def vital_cells(vitals: Vitals, escalations: Sequence[Escalation]) -> tuple[VitalCell, ...]:
    """The vitals table row, in the order clinicians read it (ABCDE), danger values marked."""
    danger = danger_fields(escalations)
    if vitals.sbp is None and vitals.dbp is None:
        bp = "—"
    else:
        bp = f"{_num(vitals.sbp)}/{_num(vitals.dbp)}" if vitals.dbp is not None else _num(vitals.sbp)
    return (
        VitalCell("RR", "/min", _num(vitals.rr), "rr" in danger),
        VitalCell("SpO₂", "%", _num(vitals.spo2), "spo2" in danger),
        VitalCell("HR", "/min", _num(vitals.hr), "hr" in danger),
        VitalCell("BP", "mmHg", bp, bool({"sbp", "dbp"} & danger)),
        VitalCell("Temp", "°C", _num(vitals.temp_c, 1) if vitals.temp_c is not None else "—", "temp_c" in danger),
        VitalCell("GCS", "/15", _num(vitals.gcs), "gcs" in danger),
        VitalCell("AVPU", "", vitals.avpu or "—", "avpu" in danger),
        VitalCell("Pain", "/10", _num(vitals.pain), "pain" in danger),
    )


def format_age(age_years: float | None) -> str:
    """"67 years", "8 months", "3 weeks" or "not recorded"."""
    if age_years is None:
        return "not recorded"
    if age_years >= 2:
        return f"{int(age_years)} years"
    months = age_years * 12.0
    if months >= 1:
        return f"{int(months)} month{'s' if int(months) != 1 else ''}"
    weeks = max(0, int(round(age_years * 52.18)))
    return f"{weeks} week{'s' if weeks != 1 else ''}"


def patient_line(intake: Intake) -> str:
    """Age and sex only (plus pregnancy when recorded): never an identifier."""
    parts = [f"Age: {format_age(intake.age_years)}", f"Sex: {intake.sex or 'not recorded'}"]
    if intake.pregnant is not None:
        parts.append(f"Pregnant: {'yes' if intake.pregnant else 'no'}")
    return "   ·   ".join(parts)


def format_timestamp(value: str | datetime) -> str:
    """An ISO-8601 timestamp as "2026-11-28 19:03 UTC"; unparseable text is returned as is."""
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def redaction_summary(spans: Sequence[RedactionSpan]) -> str:
    """Which kinds of identifier were removed, by label and count (never the values)."""
    if not spans:
        return ""
    counts = Counter(span.label for span in spans)
    items = ", ".join(f"{label.lower().replace('_', ' ')} ×{n}" for label, n in sorted(counts.items()))
    return f"Identifiers removed before analysis: {items}."


__all__ = [
    "EVIDENCE_FIELDS",
    "RULE_FIELDS",
    "VitalCell",
    "danger_fields",
    "format_age",
    "format_timestamp",
    "patient_line",
    "redaction_summary",
    "vital_cells",
]
