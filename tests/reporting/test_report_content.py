"""What the PDF says, as plain data: danger-zone marks, patient line, timestamps, redaction summary."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from triage_app.core.intake import Intake, Vitals
from triage_app.core.results import Escalation, RedactionSpan
from triage_app.core.rules import default_rules
from triage_app.reporting.report_content import (
    danger_fields,
    format_age,
    format_timestamp,
    patient_line,
    redaction_summary,
    vital_cells,
)


def esc(rule: str, evidence: str) -> Escalation:
    return Escalation(rule, "reason", 2, "source", evidence)


@pytest.mark.parametrize(
    ("escalation", "expected"),
    [
        (esc("vitals.hr_high", "HR 131"), {"hr"}),
        (esc("vitals.shock", "SBP 82, HR 128"), {"sbp", "hr"}),
        (esc("vitals.hypertension", "BP 190/125"), {"sbp", "dbp"}),
        (esc("vitals.spo2_low", "SpO2 88%"), {"spo2"}),
        (esc("vitals.sirs", "T 39.1 °C, HR 112, RR 24"), {"temp_c", "hr", "rr"}),
        (esc("vitals.avpu", "AVPU V"), {"avpu"}),
        (esc("vitals.gcs_low", "GCS 8"), {"gcs"}),
        (esc("vitals.severe_pain_high_risk", "pain 9/10; 'chest pain'"), {"pain"}),
        # Evidence that names no reading: fall back to the rule id.
        (esc("vitals.hypotension", ""), {"sbp"}),
        (esc("vitals.infant_fever", "fever in a neonate"), {"temp_c"}),
        # Red-flag phrase rules never mark a vital, even when the phrase mentions one.
        (esc("flag.chest_pain", "crushing chest pain"), set()),
        (esc("flag.something", "HR 150 written in the note"), set()),
        (esc("vitals.unknown_new_rule", ""), set()),
    ],
)
def test_danger_fields(escalation: Escalation, expected: set[str]) -> None:
    assert danger_fields([escalation]) == frozenset(expected)


def test_danger_fields_follow_the_real_rules() -> None:
    # The real rule engine's evidence strings must keep naming the vitals they fire on.
    intake = Intake(
        "short of breath",
        age_years=40,
        vitals=Vitals(hr=140, rr=32, sbp=80, spo2=85, temp_c=39.5, gcs=9, avpu="P"),
    )
    marked = danger_fields(default_rules().evaluate(intake))
    assert {"hr", "rr", "sbp", "spo2", "gcs", "avpu"} <= marked
    calm = Intake("sore throat", age_years=30, vitals=Vitals(hr=80, rr=14, sbp=120, dbp=80, spo2=99, temp_c=37.0))
    assert danger_fields(default_rules().evaluate(calm)) == frozenset()


def test_vital_cells_order_values_and_marks() -> None:
    cells = vital_cells(Vitals(hr=131, sbp=140, dbp=85, spo2=97.5, temp_c=38.25, avpu="A"), [esc("vitals.hr_high", "HR 131")])
    by_label = {c.label: c for c in cells}
    assert [c.label for c in cells] == ["RR", "SpO₂", "HR", "BP", "Temp", "GCS", "AVPU", "Pain"]
    assert by_label["HR"].value == "131" and by_label["HR"].danger
    assert by_label["BP"].value == "140/85" and not by_label["BP"].danger
    assert by_label["SpO₂"].value == "97.5"
    assert by_label["Temp"].value == f"{38.25:.1f}"
    assert by_label["RR"].value == "—" and not by_label["RR"].danger
    assert by_label["AVPU"].value == "A"


def test_systolic_only_blood_pressure() -> None:
    cells = {c.label: c for c in vital_cells(Vitals(sbp=85), [esc("vitals.hypotension", "SBP 85")])}
    assert cells["BP"].value == "85" and cells["BP"].danger


@pytest.mark.parametrize(
    ("age", "text"),
    [(None, "not recorded"), (67.9, "67 years"), (2.0, "2 years"), (1.5, "18 months"), (1 / 12, "1 month"), (0.05, "3 weeks")],
)
def test_format_age(age: float | None, text: str) -> None:
    assert format_age(age) == text


def test_patient_line_is_age_sex_and_pregnancy_only() -> None:
    intake = Intake("Jane Doe, chest pain", age_years=31, sex="female", pregnant=True)
    line = patient_line(intake)
    assert line == "Age: 31 years   ·   Sex: female   ·   Pregnant: yes"
    assert "Jane" not in line
    assert patient_line(Intake("x")) == "Age: not recorded   ·   Sex: not recorded"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2026-11-28T10:05:09Z", "2026-11-28 10:05 UTC"),
        ("2026-11-28T11:05:00+01:00", "2026-11-28 10:05 UTC"),
        ("2026-11-28T10:05:00", "2026-11-28 10:05 UTC"),
        (datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "2026-01-02 03:04 UTC"),
        ("yesterday", "yesterday"),
    ],
)
def test_format_timestamp(value: str | datetime, text: str) -> None:
    assert format_timestamp(value) == text


def test_redaction_summary_counts_labels_never_values() -> None:
    spans = (RedactionSpan(0, 4, "NAME", "[NAME_1]"), RedactionSpan(9, 14, "NAME", "[NAME_2]"), RedactionSpan(20, 30, "PHONE"))
    assert redaction_summary(spans) == "Identifiers removed before analysis: name ×2, phone ×1."
    assert redaction_summary(()) == ""
