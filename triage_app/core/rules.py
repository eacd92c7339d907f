"""Deterministic safety rules: danger-zone vital signs and red-flag phrases.

Table-driven from ``resources/safety_rules.json`` (thresholds, age bands, phrases, levels and
citations live in the data file; this module only interprets it). Rules only escalate: each
:class:`Escalation` names the least urgent level the rule allows, and the service takes the
most urgent of the model and all rules.

Conventions:

- Age unknown: adult (over 8 years) vital-sign limits apply, and the reason says so.
- Phrase matches are checked for negation, history and hypotheticals
  (:mod:`triage_app.core.negation`); such mentions do not count.
- A flag with ``requires_any`` needs a current mention of one of those phrases anywhere in the
  text as well; with ``requires_vitals_any`` a matching vital sign also satisfies it.
- ``requires_age`` and ``requires_pregnancy`` restrict a flag to an age range or to a
  pregnancy (the intake's ``pregnant`` field, or pregnancy mentioned in the text).
- ``unless_rule``: a general flag is dropped when its more specific twin fired.
- Vital signs and an infant's age typed in the note (:mod:`triage_app.core.text_vitals`) fill
  ONLY the structured fields left empty; an escalation that needed them says so in its
  evidence ("from the note text").
- Severe pain (>= 7/10) escalates only with a high-risk central complaint (chest, abdomen,
  head, testis...), following ESI's "where the clinical picture supports it".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from triage_app.core.errors import ConfigError
from triage_app.core.intake import Intake, Vitals
from triage_app.core.negation import mention_context
from triage_app.core.paths import resources_dir
from triage_app.core.results import Escalation
from triage_app.core.text_vitals import TextValue, extract_text_age, extract_text_vitals

RULES_FILE_NAME = "safety_rules.json"


@dataclass(frozen=True)
class PhraseMatch:
    """A current (not negated) mention of a phrase."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class RedFlag:
    """One red-flag phrase rule from the data file."""

    id: str
    level: int
    reason: str
    source: str
    patterns: tuple[re.Pattern[str], ...]
    requires_any: tuple[re.Pattern[str], ...] = ()
    requires_vitals_any: tuple[str, ...] = ()
    requires_age: dict[str, float] = field(default_factory=dict)
    requires_pregnancy: bool = False
    fall_height: dict[str, Any] | None = None
    unless_rule: str = ""


def _compile(patterns: list[str], where: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for pat in patterns:
        try:
            # Bare phrases get word boundaries; explicit regexes keep their own.
            body = pat if "\\b" in pat else rf"(?<![\w]){pat}(?![\w])"
            out.append(re.compile(body, re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(f"Invalid pattern {pat!r} in {where}: {exc}.", "Fix the safety rules file.") from None
    return tuple(out)


def find_current(
    text: str,
    patterns: tuple[re.Pattern[str], ...],
    *,
    first_only: bool = False,
    cache: dict[tuple[int, int], bool] | None = None,
) -> list[PhraseMatch]:
    """Matches of any pattern that are current (not negated, historical or hypothetical).

    With ``first_only`` each pattern stops at its first current match (enough to decide a rule,
    and it keeps a 20,000-character note fast). ``cache`` maps (start, end) -> current for one text,
    so rules sharing a phrase judge each mention once.
    """
    found: list[PhraseMatch] = []
    cache = {} if cache is None else cache
    for pattern in patterns:
        for m in pattern.finditer(text):
            if m.end() == m.start():
                continue
            key = (m.start(), m.end())
            if key not in cache:
                cache[key] = mention_context(text, m.start(), m.end()).current
            if cache[key]:
                found.append(PhraseMatch(m.start(), m.end(), m.group(0)))
                if first_only:
                    break
    return sorted(found, key=lambda pm: (pm.start, -pm.end))


def _fmt(value: float) -> str:
    return f"{value:g}"


class SafetyRules:
    """The rule engine (implements :class:`triage_app.core.protocols.RuleEngine`)."""

    def __init__(self, table: dict[str, Any], *, origin: str = "safety rules") -> None:
        try:
            self._vitals: dict[str, Any] = table["vitals"]
            self._flags = tuple(self._parse_flag(f, origin) for f in table["flags"])
            self._pregnancy = _compile(table.get("pregnancy_patterns", []), origin)
            pain = self._vitals["severe_pain"]
            self._pain_complaint = re.compile(pain["high_risk_complaint"], re.IGNORECASE)
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"The {origin} file is missing or has a malformed entry ({exc}).", "Restore resources/safety_rules.json.") from None
        ids = [f.id for f in self._flags]
        if len(ids) != len(set(ids)):
            raise ConfigError(f"Duplicate rule ids in {origin}.", "Give every rule a unique id.")
        self.origin = origin

    @staticmethod
    def _parse_flag(entry: dict[str, Any], origin: str) -> RedFlag:
        level = int(entry["level"])
        if not 1 <= level <= 5:
            raise ConfigError(f"Rule {entry['id']} in {origin} has level {level}; use 1-5.")
        where = f"{origin} rule {entry['id']}"
        return RedFlag(
            id=str(entry["id"]),
            level=level,
            reason=str(entry["reason"]),
            source=str(entry["source"]),
            patterns=_compile(entry["patterns"], where),
            requires_any=_compile(entry.get("requires_any", []), where),
            requires_vitals_any=tuple(entry.get("requires_vitals_any", [])),
            requires_age=dict(entry.get("requires_age", {})),
            requires_pregnancy=bool(entry.get("requires_pregnancy", False)),
            fall_height=entry.get("fall_height"),
            unless_rule=str(entry.get("unless_rule", "")),
        )

    @classmethod
    def from_file(cls, path: Path) -> SafetyRules:
        """Load a rules table (JSON). Errors name the file."""
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"The safety rules file {path} is missing.", "Reinstall the app or restore resources/.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ConfigError(f"The safety rules file {path} is not valid JSON ({exc}).", "Restore resources/safety_rules.json.") from None
        return cls(table, origin=str(path))

    @property
    def flag_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self._flags)

    # --- evaluation --------------------------------------------------------------------------

    @staticmethod
    def with_text_facts(intake: Intake) -> tuple[Intake, list[TextValue]]:
        """The intake with empty vitals (and an empty age) filled from the note text.

        Structured values always win; returns the values that were taken from the text.
        """
        used: list[TextValue] = []
        fill: dict[str, float | int] = {}
        for name, tv in extract_text_vitals(intake.text).items():
            if getattr(intake.vitals, name) is None:
                fill[name] = tv.value if name in ("spo2", "temp_c") else int(tv.value)
                if not any(u.text == tv.text for u in used):
                    used.append(tv)
        age = intake.age_years
        if age is None:
            text_age = extract_text_age(intake.text)
            if text_age is not None:
                age = text_age.value
                used.append(text_age)
        if not used:
            return intake, []
        return replace(intake, age_years=age, vitals=replace(intake.vitals, **fill)), used

    def evaluate(self, intake: Intake) -> list[Escalation]:
        """All escalations for an intake (text already redacted), most urgent first."""
        merged, used = self.with_text_facts(intake)
        out = self.evaluate_vitals(intake) + self.evaluate_text(intake)
        if used:
            plain = {(e.rule, e.min_level) for e in out}
            note = "; ".join(f"'{tv.text}'" for tv in used)
            for esc in self.evaluate_vitals(merged) + self.evaluate_text(merged):
                if (esc.rule, esc.min_level) not in plain:
                    out.append(replace(esc, reason=f"{esc.reason} (read from the note text)", evidence=f"{esc.evidence} [from the note text: {note}]"))
        seen: set[str] = set()
        unique = []
        for esc in sorted(out, key=lambda e: (e.min_level, e.rule)):
            if esc.rule not in seen:
                seen.add(esc.rule)
                unique.append(esc)
        return unique

    # Vital signs -----------------------------------------------------------------------------

    def _band(self, age: float | None) -> dict[str, Any]:
        for band in self._vitals["age_bands"]:
            limit = band.get("max_age_years")
            # Upper bound inclusive: an 8-year-old is in ESI's "3-8 years" band.
            if age is not None and limit is not None and age <= limit:
                return band
        return self._vitals["age_bands"][-1]

    def _hypotension_limit(self, age: float | None) -> tuple[float, str]:
        for band in self._vitals["hypotension"]:
            limit = band.get("max_age_years")
            if age is not None and limit is not None and age < limit:
                below = float(band["sbp_below"]) + float(band.get("plus_per_year", 0)) * age
                return below, band["label"]
        last = self._vitals["hypotension"][-1]
        return float(last["sbp_below"]), last["label"]

    def is_hypotensive(self, intake: Intake) -> bool:
        sbp = intake.vitals.sbp
        return sbp is not None and sbp < self._hypotension_limit(intake.age_years)[0]

    def is_tachycardic(self, intake: Intake) -> bool:
        hr = intake.vitals.hr
        return hr is not None and hr > self._band(intake.age_years)["hr_above"]

    def is_bradycardic(self, intake: Intake) -> bool:
        hr, limit = intake.vitals.hr, self._band(intake.age_years).get("hr_below")
        return hr is not None and limit is not None and hr < limit

    def evaluate_vitals(self, intake: Intake) -> list[Escalation]:
        """Danger-zone vital signs by age band, BP, temperature, consciousness, pain."""
        v: Vitals = intake.vitals
        cfg = self._vitals
        age = intake.age_years
        band = self._band(age)
        age_note = f" (age {band['label']})" if age is not None else " (age not given: adult limits used)"
        out: list[Escalation] = []
        dz_level, dz_src = int(cfg["danger_zone_level"]), str(cfg["danger_zone_source"])

        if v.hr is not None and v.hr > band["hr_above"]:
            out.append(Escalation("vitals.hr_high", f"Heart rate {v.hr} is above {band['hr_above']}{age_note}: danger-zone vital sign.", dz_level, dz_src, f"HR {v.hr}"))
        if self.is_bradycardic(intake):
            out.append(Escalation("vitals.hr_low", f"Heart rate {v.hr} is below {band['hr_below']}{age_note}: bradycardia.", int(cfg["bradycardia_level"]), str(cfg["bradycardia_source"]), f"HR {v.hr}"))
        if v.rr is not None and v.rr > band["rr_above"]:
            out.append(Escalation("vitals.rr_high", f"Respiratory rate {v.rr} is above {band['rr_above']}{age_note}: danger-zone vital sign.", dz_level, dz_src, f"RR {v.rr}"))
        if v.rr is not None and band.get("rr_below") is not None and v.rr < band["rr_below"]:
            out.append(Escalation("vitals.rr_low", f"Respiratory rate {v.rr} is below {band['rr_below']}{age_note}: breathing may be inadequate.", int(cfg["bradypnoea_level"]), str(cfg["bradypnoea_source"]), f"RR {v.rr}"))
        if v.spo2 is not None:
            for entry in cfg["spo2"]:
                if v.spo2 < entry["below"]:
                    out.append(Escalation("vitals.spo2_low", f"SpO2 {_fmt(v.spo2)}% is below {entry['below']}%.", int(entry["level"]), str(entry["source"]), f"SpO2 {_fmt(v.spo2)}%"))
                    break
        if v.sbp is not None:
            limit, label = self._hypotension_limit(age)
            if v.sbp < limit:
                if self.is_tachycardic(intake) or self.is_bradycardic(intake):
                    # Hypotension with a heart rate outside the band either way is shock: fast is
                    # compensating, very slow (e.g. hyperkalaemia, heart block) is failing to.
                    out.append(Escalation("vitals.shock", f"Systolic BP {v.sbp} below {_fmt(limit)} with heart rate {v.hr}: signs of shock.", int(cfg["shock_level"]), str(cfg["shock_source"]), f"SBP {v.sbp}, HR {v.hr}"))
                else:
                    out.append(Escalation("vitals.hypotension", f"Systolic BP {v.sbp} is below {_fmt(limit)} (age {label}{'' if age is not None else ', age not given'}): hypotension.", int(cfg["hypotension_level"]), str(cfg["hypotension_source"]), f"SBP {v.sbp}"))
        hyper = cfg["hypertension"]
        if (v.sbp is not None and v.sbp > hyper["sbp_above"]) or (v.dbp is not None and v.dbp > hyper["dbp_above"]):
            bp = f"{v.sbp if v.sbp is not None else '?'}/{v.dbp if v.dbp is not None else '?'}"
            out.append(Escalation("vitals.hypertension", f"Blood pressure {bp} exceeds {hyper['sbp_above']}/{hyper['dbp_above']}: severe hypertension.", int(hyper["level"]), str(hyper["source"]), f"BP {bp}"))
        preg_bp = cfg.get("pregnancy_hypertension")
        if preg_bp and (
            (v.sbp is not None and v.sbp >= preg_bp["sbp_at_or_above"]) or (v.dbp is not None and v.dbp >= preg_bp["dbp_at_or_above"])
        ) and self._pregnant(intake, {}):
            bp = f"{v.sbp if v.sbp is not None else '?'}/{v.dbp if v.dbp is not None else '?'}"
            out.append(Escalation("vitals.pregnancy_hypertension", f"Blood pressure {bp} in pregnancy (≥ {preg_bp['sbp_at_or_above']}/{preg_bp['dbp_at_or_above']}): possible severe pre-eclampsia.", int(preg_bp["level"]), str(preg_bp["source"]), f"BP {bp}"))
        out.extend(self._temperature(intake))
        if v.gcs is not None:
            for entry in cfg["gcs"]:
                if v.gcs <= entry["max"]:
                    out.append(Escalation("vitals.gcs_low", f"GCS {v.gcs} (≤ {entry['max']}): reduced level of consciousness.", int(entry["level"]), str(entry["source"]), f"GCS {v.gcs}"))
                    break
        if v.avpu is not None and v.avpu in cfg["avpu"]:
            entry = cfg["avpu"][v.avpu]
            words = {"U": "unresponsive", "P": "responds to pain only", "V": "responds to voice only"}[v.avpu]
            out.append(Escalation("vitals.avpu", f"AVPU {v.avpu}: {words}.", int(entry["level"]), str(entry["source"]), f"AVPU {v.avpu}"))
        pain = cfg["severe_pain"]
        if v.pain is not None and v.pain >= pain["at_or_above"]:
            complaint = [
                m for m in self._pain_complaint.finditer(intake.text) if mention_context(intake.text, m.start(), m.end()).current
            ][:1]
            if complaint:
                out.append(Escalation("vitals.severe_pain_high_risk", f"Severe pain {v.pain}/10 with a high-risk complaint ({complaint[0].group(0)}).", int(pain["level"]), str(pain["source"]), f"pain {v.pain}/10; '{complaint[0].group(0)}'"))
        sirs = cfg["sirs"]
        criteria = []
        if v.temp_c is not None and (v.temp_c > sirs["temp_above"] or v.temp_c < sirs["temp_below"]):
            criteria.append(f"T {_fmt(v.temp_c)} °C")
        if v.hr is not None and v.hr > sirs["hr_above"] and (age is None or age >= 18):
            criteria.append(f"HR {v.hr}")
        if v.rr is not None and v.rr > sirs["rr_above"] and (age is None or age >= 18):
            criteria.append(f"RR {v.rr}")
        if len(criteria) >= sirs["min_criteria"]:
            out.append(Escalation("vitals.sirs", f"Temperature, heart rate and breathing all abnormal ({', '.join(criteria)}): possible sepsis.", int(sirs["level"]), str(sirs["source"]), ", ".join(criteria)))
        return out

    def _temperature(self, intake: Intake) -> list[Escalation]:
        temp = intake.vitals.temp_c
        if temp is None:
            return []
        cfg = self._vitals["temperature"]
        out = []
        if temp < cfg["hypothermia_below"]:
            out.append(Escalation("vitals.hypothermia", f"Temperature {_fmt(temp)} °C is below {_fmt(cfg['hypothermia_below'])} °C: hypothermia.", int(cfg["hypothermia_level"]), str(cfg["source"]), f"T {_fmt(temp)} °C"))
        if temp >= cfg["hyperthermia_at_or_above"]:
            out.append(Escalation("vitals.hyperthermia", f"Temperature {_fmt(temp)} °C is {_fmt(cfg['hyperthermia_at_or_above'])} °C or more: hyperpyrexia.", int(cfg["hyperthermia_level"]), str(cfg["source"]), f"T {_fmt(temp)} °C"))
        age = intake.age_years
        if age is not None:
            for band in self._vitals["infant_fever"]:
                if age < band["max_age_years"]:
                    if temp >= band["temp_at_or_above"]:
                        out.append(Escalation("vitals.infant_fever", f"Fever {_fmt(temp)} °C in a child aged {band['label']}.", int(band["level"]), str(band["source"]), f"T {_fmt(temp)} °C, age {age * 12:.1f} months"))
                    break
        return out

    # Red-flag phrases ------------------------------------------------------------------------

    def _pregnant(self, intake: Intake, cache: dict[tuple[int, int], bool]) -> bool:
        if intake.pregnant is True:
            return True
        if intake.pregnant is False:
            return False
        return bool(find_current(intake.text, self._pregnancy, first_only=True, cache=cache))

    def _fall_height(self, flag: RedFlag, text: str) -> PhraseMatch | None:
        cfg = flag.fall_height or {}
        pattern = re.compile(cfg["pattern"], re.IGNORECASE)
        units = {k.lower(): float(v) for k, v in cfg["unit_metres"].items()}
        for m in pattern.finditer(text):
            metres = float(m.group(1)) * units.get(m.group(2).lower(), 0.0)
            if metres >= float(cfg["min_metres"]) and mention_context(text, m.start(), m.end()).current:
                return PhraseMatch(m.start(), m.end(), m.group(0))
        return None

    def _flag_applies(self, flag: RedFlag, intake: Intake, cache: dict[tuple[int, int], bool]) -> PhraseMatch | None:
        age = intake.age_years
        if flag.requires_age:
            if age is None:
                return None
            if "min_years" in flag.requires_age and age < flag.requires_age["min_years"]:
                return None
            if "max_years" in flag.requires_age and age >= flag.requires_age["max_years"]:
                return None
        if flag.requires_pregnancy and not self._pregnant(intake, cache):
            return None
        matches = find_current(intake.text, flag.patterns, first_only=True, cache=cache)
        hit = matches[0] if matches else None
        if hit is None and flag.fall_height:
            hit = self._fall_height(flag, intake.text)
        if hit is None:
            return None
        if flag.requires_any or flag.requires_vitals_any:
            ok = bool(flag.requires_any) and bool(find_current(intake.text, flag.requires_any, first_only=True, cache=cache))
            vitals_ok = {"hypotension": self.is_hypotensive(intake), "tachycardia": self.is_tachycardic(intake)}
            ok = ok or any(vitals_ok.get(name, False) for name in flag.requires_vitals_any)
            if not ok:
                return None
        return hit

    def evaluate_text(self, intake: Intake) -> list[Escalation]:
        """Red-flag phrases in the (redacted) complaint."""
        out = []
        cache: dict[tuple[int, int], bool] = {}
        for flag in self._flags:
            hit = self._flag_applies(flag, intake, cache)
            if hit is not None:
                out.append(Escalation(flag.id, flag.reason, flag.level, flag.source, hit.text))
        fired = {e.rule for e in out}
        # A specific rule (e.g. bleeding *with shock*) replaces its general twin.
        unless = {f.id: f.unless_rule for f in self._flags if f.unless_rule}
        return [e for e in out if unless.get(e.rule, "") not in fired]


_DEFAULT: SafetyRules | None = None


def default_rules() -> SafetyRules:
    """The packaged rules (``resources/safety_rules.json``), loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = SafetyRules.from_file(resources_dir() / RULES_FILE_NAME)
    return _DEFAULT


__all__ = ["RULES_FILE_NAME", "PhraseMatch", "RedFlag", "SafetyRules", "default_rules", "find_current"]
