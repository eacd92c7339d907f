from __future__ import annotations

import pytest

from triage_app.core.errors import InputError
from triage_app.core.intake import MAX_TEXT_CHARS, Intake, Vitals


@pytest.mark.parametrize(
    ("vitals", "field"),
    [
        ({"hr": 400}, "hr"),
        ({"hr": 5}, "hr"),
        ({"rr": 120}, "rr"),
        ({"spo2": 101}, "spo2"),
        ({"spo2": 12}, "spo2"),
        ({"temp_c": 55}, "temp_c"),
        ({"temp_f": 150}, "temp_f"),
        ({"gcs": 2}, "gcs"),
        ({"pain": 11}, "pain"),
        ({"sbp": 80, "dbp": 90}, "dbp"),
        ({"avpu": "X"}, "avpu"),
        ({"hr": "fast"}, "hr"),
        ({"hr": float("nan")}, "hr"),
        ({"pulse": 80}, "vitals"),
    ],
)
def test_impossible_vitals_name_the_field(vitals: dict, field: str) -> None:
    with pytest.raises(InputError) as info:
        Vitals.from_dict(vitals)
    assert info.value.field == field
    assert str(info.value)


def test_range_message_names_the_accepted_range() -> None:
    with pytest.raises(InputError, match=r"Heart rate 400 beats/min is outside the possible range 20–300"):
        Vitals(hr=400)


def test_missing_vitals_are_allowed_and_fahrenheit_is_converted() -> None:
    v = Vitals.from_dict({"hr": "88", "temp_f": 102.2, "avpu": "v", "spo2": ""})
    assert v.hr == 88 and v.temp_c == 39.0 and v.avpu == "V" and v.spo2 is None
    assert Vitals.from_dict(None).is_empty()


def test_intake_from_dict_months_and_sex_aliases() -> None:
    intake = Intake.from_dict({"text": "fever", "age_months": 2, "sex": "F"})
    assert intake.age_years == pytest.approx(2 / 12)
    assert intake.age_months == pytest.approx(2)
    assert intake.sex == "female"


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"age": 30}, "text"),
        ({"text": "x", "age": 200}, "age"),
        ({"text": "x", "sex": "robot"}, "sex"),
        ({"text": "x", "sex": "male", "pregnant": True}, "pregnant"),
        ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text"),
    ],
)
def test_bad_intake_records(record: dict, field: str) -> None:
    with pytest.raises(InputError) as info:
        Intake.from_dict(record)
    assert info.value.field == field


def test_round_trip() -> None:
    intake = Intake.from_dict({"text": "chest pain", "age": 54, "sex": "male", "vitals": {"hr": 110, "spo2": 95}})
    assert Intake.from_dict(intake.to_dict()) == intake
