"""Structured intake: what the clinician types, validated.

Missing vital signs are allowed (``None``). A value outside its physiologically possible
range is rejected with an :class:`InputError` naming the field and the accepted range.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from triage_app.core.errors import InputError

SEXES: tuple[str, ...] = ("female", "male", "other", "unknown")
AVPU_VALUES: tuple[str, ...] = ("A", "V", "P", "U")
MAX_TEXT_CHARS = 20_000

#: field -> (minimum, maximum, unit, label). Ranges are what is physiologically possible
#: in a living patient at triage, not what is normal.
VITAL_RANGES: dict[str, tuple[float, float, str, str]] = {
    "hr": (20, 300, "beats/min", "Heart rate"),
    "rr": (0, 80, "breaths/min", "Respiratory rate"),
    "sbp": (30, 300, "mmHg", "Systolic BP"),
    "dbp": (10, 200, "mmHg", "Diastolic BP"),
    "spo2": (30, 100, "%", "SpO2"),
    "temp_c": (25.0, 45.0, "°C", "Temperature"),
    "gcs": (3, 15, "", "GCS"),
    "pain": (0, 10, "/10", "Pain score"),
}
INTEGER_VITALS = frozenset({"hr", "rr", "sbp", "dbp", "gcs", "pain"})
AGE_RANGE_YEARS = (0.0, 125.0)


def fahrenheit_to_celsius(temp_f: float) -> float:
    """Convert °F to °C, rounded to 0.1 °C."""
    return round((temp_f - 32.0) * 5.0 / 9.0, 1)


def _number(field_name: str, value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InputError(field_name, f"{field_name}: expected a number, got {value!r}.")
    try:
        num = float(value)
    except (TypeError, ValueError):
        raise InputError(field_name, f"{field_name}: expected a number, got {str(value)[:20]!r}.") from None
    if math.isnan(num) or math.isinf(num):
        raise InputError(field_name, f"{field_name}: expected a finite number.")
    return num


@dataclass(frozen=True)
class Vitals:
    """Optional vital signs. Temperature is always stored in °C."""

    hr: int | None = None
    rr: int | None = None
    sbp: int | None = None
    dbp: int | None = None
    spo2: float | None = None
    temp_c: float | None = None
    gcs: int | None = None
    avpu: str | None = None
    pain: int | None = None

    def __post_init__(self) -> None:
        for name, (lo, hi, unit, label) in VITAL_RANGES.items():
            value = getattr(self, name)
            if value is None:
                continue
            num = _number(name, value)
            if num is None:
                object.__setattr__(self, name, None)
                continue
            if not lo <= num <= hi:
                unit_txt = f" {unit}" if unit else ""
                raise InputError(
                    name,
                    f"{label} {value:g}{unit_txt} is outside the possible range "
                    f"{lo:g}–{hi:g}{unit_txt}.",
                    "Check the reading and re-enter it, or leave the field empty.",
                )
            if name in INTEGER_VITALS:
                num = int(round(num))
            object.__setattr__(self, name, num)
        if self.sbp is not None and self.dbp is not None and self.dbp >= self.sbp:
            raise InputError(
                "dbp",
                f"Diastolic BP {self.dbp} must be lower than systolic BP {self.sbp}.",
                "Check that systolic and diastolic were not swapped.",
            )
        if self.avpu is not None:
            avpu = str(self.avpu).strip().upper()[:1]
            if avpu == "":
                object.__setattr__(self, "avpu", None)
            elif avpu not in AVPU_VALUES:
                raise InputError("avpu", f"AVPU must be one of A, V, P, U; got {self.avpu!r}.")
            else:
                object.__setattr__(self, "avpu", avpu)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Vitals:
        """Build from a dict with keys hr, rr, sbp, dbp, spo2, temp_c or temp_f, gcs, avpu, pain."""
        if not data:
            return cls()
        if not isinstance(data, dict):
            raise InputError("vitals", "vitals must be an object with keys hr, rr, sbp, dbp, spo2, temp_c, gcs, avpu, pain.")
        known = set(VITAL_RANGES) | {"avpu", "temp_f"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(
                "vitals",
                f"Unknown vital sign key(s): {', '.join(unknown)}.",
                f"Use only: {', '.join(sorted(known))}.",
            )
        values = {k: v for k, v in data.items() if k != "temp_f"}
        if data.get("temp_f") not in (None, ""):
            temp_f = _number("temp_f", data["temp_f"])
            assert temp_f is not None
            if not 77.0 <= temp_f <= 113.0:
                raise InputError("temp_f", f"Temperature {temp_f:g} °F is outside the possible range 77–113 °F.")
            if values.get("temp_c") not in (None, ""):
                raise InputError("temp_f", "Give the temperature in °C or °F, not both.")
            values["temp_c"] = fahrenheit_to_celsius(temp_f)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        """Return only the vitals that were recorded."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def is_empty(self) -> bool:
        return not self.to_dict()


@dataclass(frozen=True)
class Intake:
    """One presenting case as entered at triage.

    Attributes:
        text: The presenting complaint (free text). May contain PHI until redacted.
        age_years: Age in years; infants use fractions (``age_months / 12``).
        sex: One of :data:`SEXES`, or None.
        pregnant: True/False when relevant, None when unknown or not applicable.
        vitals: Optional vital signs.
    """

    text: str
    age_years: float | None = None
    sex: str | None = None
    pregnant: bool | None = None
    vitals: Vitals = field(default_factory=Vitals)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise InputError("text", "The complaint must be text.")
        if len(self.text) > MAX_TEXT_CHARS:
            raise InputError(
                "text",
                f"The complaint is {len(self.text):,} characters long; the maximum is {MAX_TEXT_CHARS:,}.",
                "Enter the presenting complaint and key findings only, not the whole record.",
            )
        if self.age_years is not None:
            age = _number("age", self.age_years)
            if age is not None and not AGE_RANGE_YEARS[0] <= age <= AGE_RANGE_YEARS[1]:
                raise InputError("age", f"Age {age:g} years is outside the possible range 0–125 years.")
            object.__setattr__(self, "age_years", age)
        if self.sex is not None:
            sex = str(self.sex).strip().lower()
            sex = {"f": "female", "m": "male", "woman": "female", "man": "male", "": "unknown"}.get(sex, sex)
            if sex not in SEXES:
                raise InputError("sex", f"Sex must be one of {', '.join(SEXES)}; got {self.sex!r}.")
            object.__setattr__(self, "sex", sex)
        if self.pregnant and self.sex == "male":
            raise InputError("pregnant", "Pregnancy is marked but sex is male.", "Check the sex and pregnancy fields.")

    @property
    def age_months(self) -> float | None:
        return None if self.age_years is None else self.age_years * 12.0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Intake:
        """Build from a record: ``text``, ``age`` (years) or ``age_months``, ``sex``, ``pregnant``, ``vitals``."""
        if not isinstance(data, dict):
            raise InputError("record", "Each record must be an object with at least a 'text' field.")
        if "text" not in data:
            raise InputError("text", "The record has no 'text' field.")
        age = data.get("age", data.get("age_years"))
        if data.get("age_months") not in (None, ""):
            months = _number("age_months", data["age_months"])
            assert months is not None
            if not 0 <= months <= 36:
                raise InputError("age_months", f"age_months {months:g} is outside 0–36; give older ages in years.")
            age = months / 12.0
        return cls(
            text=data["text"],
            age_years=_number("age", age),
            sex=data.get("sex") or None,
            pregnant=data.get("pregnant"),
            vitals=Vitals.from_dict(data.get("vitals")),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if self.age_years is not None:
            out["age"] = self.age_years
        if self.sex is not None:
            out["sex"] = self.sex
        if self.pregnant is not None:
            out["pregnant"] = self.pregnant
        vitals = self.vitals.to_dict()
        if vitals:
            out["vitals"] = vitals
        return out

    def with_text(self, text: str) -> Intake:
        """Return a copy with different text (used after redaction)."""
        return replace(self, text=text)


__all__ = [
    "AVPU_VALUES",
    "MAX_TEXT_CHARS",
    "SEXES",
    "VITAL_RANGES",
    "Intake",
    "Vitals",
    "fahrenheit_to_celsius",
]
