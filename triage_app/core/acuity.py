"""The five-level acuity scale, defined once for the whole app.

Compatible with ESI, CTAS and MTS. Target times follow CTAS/MTS-style wording; a site
may override the displayed target times through settings (``target_times``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AcuityLevel:
    """One level of the acuity scale.

    Attributes:
        number: 1 (most urgent) to 5 (least urgent).
        name: Full name, e.g. "Immediate (resuscitation)".
        short_name: One word for badges, e.g. "Immediate".
        target: Target time to be seen, human readable.
        target_minutes: Upper bound of the target time in minutes.
        colour: Hex colour of the badge (ESI/CTAS convention: red to blue).
        text_colour: Hex colour for text drawn on the badge, for contrast.
    """

    number: int
    name: str
    short_name: str
    target: str
    target_minutes: int
    colour: str
    text_colour: str


ACUITY_SCALE: tuple[AcuityLevel, ...] = (
    AcuityLevel(1, "Immediate (resuscitation)", "Immediate", "0 minutes", 0, "#B71C1C", "#FFFFFF"),
    AcuityLevel(2, "Emergent", "Emergent", "10–15 minutes", 15, "#E65100", "#FFFFFF"),
    AcuityLevel(3, "Urgent", "Urgent", "30–60 minutes", 60, "#F9A825", "#000000"),
    AcuityLevel(4, "Less urgent", "Less urgent", "60–120 minutes", 120, "#2E7D32", "#FFFFFF"),
    AcuityLevel(5, "Non-urgent", "Non-urgent", "120–240 minutes", 240, "#1565C0", "#FFFFFF"),
)

#: Label strings a model bundle must map its output indices to, in this order.
LEVEL_LABELS: tuple[str, ...] = tuple(str(lvl.number) for lvl in ACUITY_SCALE)
NUM_LEVELS = len(ACUITY_SCALE)

TIER_NAMES: dict[int, str] = {
    1: "Emergent (levels 1–2)",
    2: "Urgent / see a clinician (levels 3–4)",
    3: "Self-care or routine (level 5)",
}


def acuity_level(number: int) -> AcuityLevel:
    """Return the scale entry for a level number.

    Raises:
        ValueError: If ``number`` is not 1–5.
    """
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= NUM_LEVELS:
        raise ValueError(f"Acuity level must be an integer 1–{NUM_LEVELS}, got {number!r}")
    return ACUITY_SCALE[number - 1]


def tier(number: int) -> int:
    """Map a level to the 3-tier view: 1–2 → 1, 3–4 → 2, 5 → 3."""
    acuity_level(number)
    return 1 if number <= 2 else (2 if number <= 4 else 3)


def most_urgent(*levels: int | None) -> int:
    """Return the most urgent (lowest-numbered) of the given levels, ignoring None."""
    present = [lvl for lvl in levels if lvl is not None]
    if not present:
        raise ValueError("most_urgent() needs at least one level")
    return min(present)


__all__ = [
    "ACUITY_SCALE",
    "LEVEL_LABELS",
    "NUM_LEVELS",
    "TIER_NAMES",
    "AcuityLevel",
    "acuity_level",
    "most_urgent",
    "tier",
]
