"""ESI/CTAS labelling criteria: the single place a corpus label is derived from facts.

Every generated record keeps the structured ``facts`` it was written from; :func:`derive_level`
turns those facts into a level and the criterion behind it, following the ESI algorithm
(decision points A-D, danger-zone vitals by age, expected resources) with CTAS modifiers, as
summarised in CLINICAL_REFERENCE.md. Tests re-run it on every record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DangerZone",
    "LevelDecision",
    "danger_zone_for_age",
    "derive_level",
    "resource_criterion",
]


@dataclass(frozen=True)
class DangerZone:
    """ESI decision point D thresholds for one age band.

    Args:
        band: Human-readable age band.
        hr_above: Heart rate above which vitals are in the danger zone.
        rr_above: Respiratory rate above which vitals are in the danger zone.
    """

    band: str
    hr_above: int
    rr_above: int


@dataclass(frozen=True)
class LevelDecision:
    """A derived level and the documented criterion behind it."""

    level: int
    criterion: str


def danger_zone_for_age(age_days: int) -> DangerZone:
    """Return the ESI danger-zone thresholds for an age in days."""
    if age_days < 90:
        return DangerZone("<3 months", 180, 50)
    if age_days < 3 * 365:
        return DangerZone("3 months-3 years", 160, 40)
    if age_days <= 8 * 365:
        return DangerZone("3-8 years", 140, 30)
    return DangerZone(">8 years", 100, 20)


def resource_criterion(resources: int, names: str) -> str:
    """Criterion text for ESI decision point C."""
    if resources == 0:
        return f"ESI C: 0 resources ({names})"
    if resources == 1:
        return f"ESI C: 1 resource ({names})"
    return f"ESI C/D: {resources} resources ({names}), vitals outside danger zone"


def derive_level(facts: Mapping[str, Any]) -> LevelDecision:
    """Apply ESI decision points A-D (with CTAS first-order modifiers) to structured facts.

    Args:
        facts: ``age_days``, ``lsi`` (life-saving intervention reason or None), ``high_risk``
            (ESI B reason or None), ``altered`` (new confusion/lethargy), ``pain`` (0-10),
            ``pain_central``, ``pain_supported`` (the picture supports the score),
            ``immunocompromised``, ``resources`` (int), ``resource_names`` and ``vitals``
            (hr, rr, sbp, spo2, temp_c, gcs, avpu; any may be None).

    Returns:
        The level (1-5) and the criterion that decided it.
    """
    v: Mapping[str, Any] = facts.get("vitals") or {}
    age_days = int(facts["age_days"])
    spo2 = v.get("spo2")
    gcs = v.get("gcs")
    avpu = v.get("avpu")
    temp = v.get("temp_c")
    hr = v.get("hr")
    rr = v.get("rr")

    # A: immediate life-saving intervention.
    if facts.get("lsi"):
        return LevelDecision(1, f"ESI A: {facts['lsi']}")
    if spo2 is not None and spo2 < 90:
        return LevelDecision(1, f"ESI A: SpO2 {spo2}% < 90% (severe respiratory compromise)")
    if avpu in ("P", "U") or (gcs is not None and gcs <= 9):
        what = f"GCS {gcs}" if gcs is not None else f"AVPU {avpu}"
        return LevelDecision(1, f"ESI A / CTAS: unresponsive ({what})")

    # B: high risk, new confusion, severe pain or distress.
    if facts.get("high_risk"):
        return LevelDecision(2, f"ESI B: high risk - {facts['high_risk']}")
    if gcs is not None and 10 <= gcs <= 13:
        return LevelDecision(2, f"CTAS: GCS {gcs} (10-13) - altered consciousness")
    if facts.get("altered") or avpu == "V":
        return LevelDecision(2, "ESI B: new confusion, lethargy or disorientation")
    if temp is not None and temp >= 38.0 and age_days <= 28:
        return LevelDecision(2, f"ESI paediatric fever: {age_days}-day-old with T {temp} >= 38.0")
    if temp is not None and temp >= 38.0 and age_days < 90:
        return LevelDecision(2, f"ESI paediatric fever: {age_days}-day-old (1-3 months) with T {temp} >= 38.0")
    if facts.get("immunocompromised") and temp is not None and temp >= 38.0:
        return LevelDecision(2, "ESI B / CTAS: fever in an immunocompromised patient")
    pain = facts.get("pain")
    if pain is not None and pain >= 8 and facts.get("pain_central") and facts.get("pain_supported"):
        return LevelDecision(2, f"ESI B / CTAS: severe central pain {pain}/10 with a picture that supports it")

    # C: expected resources.
    resources = int(facts["resources"])
    names = str(facts.get("resource_names") or "")
    if resources == 0:
        return LevelDecision(5, resource_criterion(0, names or "exam and advice only"))
    if resources == 1:
        return LevelDecision(4, resource_criterion(1, names))

    # D: danger-zone vitals for a patient needing 2+ resources.
    zone = danger_zone_for_age(age_days)
    if hr is not None and hr > zone.hr_above:
        return LevelDecision(2, f"ESI D: danger-zone HR {hr} > {zone.hr_above} ({zone.band})")
    if rr is not None and rr > zone.rr_above:
        return LevelDecision(2, f"ESI D: danger-zone RR {rr} > {zone.rr_above} ({zone.band})")
    if spo2 is not None and spo2 < 92:
        return LevelDecision(2, f"ESI D: danger-zone SpO2 {spo2}% < 92%")
    return LevelDecision(3, resource_criterion(resources, names))
