"""Vital signs and infant ages typed in the note text.

A small, conservative extractor: a value counts only after an explicit label ("BP 70/40",
"sats 84%", "SpO2 86% RA", "HR 150", "RR 36", "GCS 8", "temp 39.5", "T 38.5", "38.4C"), inside the
plausible range of :data:`triage_app.core.intake.VITAL_RANGES`, and only when the mention is
current (not negated, historical or hypothetical, :mod:`triage_app.core.negation`). The rule
engine uses these values ONLY for fields the structured vitals leave empty, and the age only
when the age field is empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from triage_app.core.intake import VITAL_RANGES, fahrenheit_to_celsius
from triage_app.core.negation import mention_context


@dataclass(frozen=True)
class TextValue:
    """One value read from the note: the field, the number and the matched text."""

    name: str
    value: float
    text: str


_SEP = r"\s*(?:of|was|is|now|:|=|-)?\s*"

_BP = re.compile(rf"(?<![\w])(?:bp|blood pressure|nibp){_SEP}(\d{{2,3}})\s*/\s*(\d{{2,3}})(?![\d/])", re.IGNORECASE)
_SPO2 = re.compile(
    rf"(?<![\w])(?:spo2|sp02|sao2|o2 sats?|sats?|saturations?|saturating|oxygen saturations?|sat(?:uration)?s? of){_SEP}(\d{{2,3}})(?:\.\d)?\s*%?(?![\d.])",
    re.IGNORECASE,
)
_HR = re.compile(rf"(?<![\w])(?:hr|heart rate|pulse rate|pulse){_SEP}(\d{{2,3}})(?![\d.:/])", re.IGNORECASE)
# "hr" after a bare number is hours ("24 hr 2 episodes"), unless that number is another vital
# sign's value ("BP 70/40 HR 130", "RR 16 HR 100", "sats 98% HR 72").
_NUMBER_BEFORE = re.compile(r"\d\s*$")
_VITAL_BEFORE = re.compile(
    r"(\d+\s*/\s*\d+|\d+(\.\d+)?\s*%\s*(ra|on air)?|(rr|resps?|resp(iratory)? rate|gcs|bp|sats?|spo2|temp(erature)?|t)\s*(:|=)?\s*\d+(\.\d+)?\s*(°?\s*[cf])?)\s*[,;]?\s*$",
    re.IGNORECASE,
)
_RR = re.compile(rf"(?<![\w])(?:rr|resp(?:iratory)? rate|resps|resp){_SEP}(\d{{1,2}})(?![\d.:/])", re.IGNORECASE)
_GCS = re.compile(rf"(?<![\w])gcs{_SEP}(\d{{1,2}})(?:\s*/\s*15)?(?![\d.:])", re.IGNORECASE)
_TEMP = re.compile(
    rf"(?<![\w])(?:temp(?:erature)?|febrile(?: to| at)?){_SEP}(\d{{2,3}}(?:\.\d{{1,2}})?)\s*(?:°\s*|deg(?:rees)?\s*)?([cf])?(?![\w.])",
    re.IGNORECASE,
)
# A bare "T" needs a decimal value ("T 38.5"), so "T 12" (a vertebra) never counts.
_T_SHORT = re.compile(r"(?<![\w])t\s*(?::|=)?\s*(\d{2}\.\d{1,2})\s*(?:°\s*)?([cf])?(?![\w.])", re.IGNORECASE)
# "38.4C", "38.4 °C", "101.3F": a decimal number with a temperature unit.
_T_UNIT = re.compile(r"(?<![\w.])(\d{2,3}\.\d{1,2})\s*(?:°\s*|deg(?:rees)?\s*)?([cf])(?![\w])", re.IGNORECASE)

_AGE = re.compile(
    r"(?<![\w.])(\d{1,2}(?:\.\d)?)\s*[- ]?\s*(days?|d|weeks?|wks?|w|months?|mths?|mos?|m)[- ]?\s*old(?![\w])",
    re.IGNORECASE,
)
_AGE_TWELFTHS = re.compile(r"(?<![\w/])(\d{1,2})\s*/\s*12(?![\d/])\s*(?:old|[- ]?months? old)?", re.IGNORECASE)
_AGE_NEONATE = re.compile(r"(?<![\w])(neonat(?:e|al)|new[- ]?born)(?![\w])", re.IGNORECASE)
_UNIT_YEARS = {"d": 1 / 365.25, "w": 7 / 365.25, "m": 1 / 12}
NEONATE_AGE_YEARS = 7 / 365.25
MAX_TEXT_AGE_YEARS = 2.0


def _current(text: str, m: re.Match[str]) -> bool:
    return mention_context(text, m.start(), m.end()).current


def _in_range(name: str, value: float) -> bool:
    lo, hi, _unit, _label = VITAL_RANGES[name]
    return lo <= value <= hi


def _temperature(text: str) -> TextValue | None:
    for pattern in (_TEMP, _T_SHORT, _T_UNIT):
        for m in pattern.finditer(text):
            value = float(m.group(1))
            unit = (m.group(2) or "").lower()
            if unit == "f" or (not unit and 90 <= value <= 113):
                value = round(fahrenheit_to_celsius(value), 1)
            if 30.0 <= value <= 44.0 and _current(text, m):
                return TextValue("temp_c", value, m.group(0).strip())
    return None


def extract_text_vitals(text: str) -> dict[str, TextValue]:
    """Vital signs stated in the note, by :class:`~triage_app.core.intake.Vitals` field name."""
    out: dict[str, TextValue] = {}
    for m in _BP.finditer(text):
        sbp, dbp = int(m.group(1)), int(m.group(2))
        if _in_range("sbp", sbp) and _in_range("dbp", dbp) and sbp > dbp and _current(text, m):
            out["sbp"] = TextValue("sbp", sbp, m.group(0).strip())
            out["dbp"] = TextValue("dbp", dbp, m.group(0).strip())
            break
    for name, pattern in (("spo2", _SPO2), ("hr", _HR), ("rr", _RR), ("gcs", _GCS)):
        for m in pattern.finditer(text):
            value = float(m.group(1))
            before = text[max(0, m.start() - 40) : m.start()]
            if name == "hr" and _NUMBER_BEFORE.search(before) and not _VITAL_BEFORE.search(before):
                continue
            if _in_range(name, value) and (name != "rr" or value >= 4) and _current(text, m):
                out[name] = TextValue(name, value, m.group(0).strip())
                break
    temp = _temperature(text)
    if temp is not None:
        out["temp_c"] = temp
    return out


def extract_text_age(text: str) -> TextValue | None:
    """An infant's age stated in the note ("3 week old", "2/12 old", "newborn"), in years.

    Only ages up to two years are read (the ones the infant rules and bands need).
    """
    for m in _AGE.finditer(text):
        unit = m.group(2).lower()[0]
        years = float(m.group(1)) * _UNIT_YEARS[unit]
        if 0 <= years <= MAX_TEXT_AGE_YEARS:
            return TextValue("age_years", years, m.group(0).strip())
    for m in _AGE_TWELFTHS.finditer(text):
        months = int(m.group(1))
        # "2/12" alone may be a date; it counts as an age only with "old" after it.
        if "old" in m.group(0).lower() and 0 < months < 12:
            return TextValue("age_years", months / 12, m.group(0).strip())
    m2 = _AGE_NEONATE.search(text)
    if m2 is not None:
        return TextValue("age_years", NEONATE_AGE_YEARS, m2.group(0))
    return None


__all__ = ["MAX_TEXT_AGE_YEARS", "NEONATE_AGE_YEARS", "TextValue", "extract_text_age", "extract_text_vitals"]
