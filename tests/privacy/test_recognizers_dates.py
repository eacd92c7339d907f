"""Span table: date elements (not the year alone), ages over 89, and what must stay."""

from __future__ import annotations

import pytest

from tests.privacy.span_table import recognizer_spans, redactor_spans
from triage_app.privacy.recognizers.dates import AgeOver89Recognizer, DateRecognizer

D = "DATE"
A = "AGE"

DATE_TABLE: list[tuple[str, list[tuple[str, str]]]] = [
    ("admitted 3/14 with CHF", [("3/14", D)]),
    ("seen 03/14/2024 and 14/03/24", [("03/14/2024", D), ("14/03/24", D)]),
    ("ISO date 2024-03-14 in a form", [("2024-03-14", D)]),
    ("cultures from 10/15-10/16 negative", [("10/15-10/16", D)]),
    ("PMH: MI 8/84, CABG", [("8/84", D)]),
    ("on March 14th she fell", [("March 14th", D)]),
    ("on 14th March she fell", [("14th March", D)]),
    ("Mar 14, 2024 follow-up", [("Mar 14, 2024", D)]),
    ("returned on 20th Oct, 1989.", [("20th Oct, 1989", D)]),
    ("seen in July by the GP", [("July", D)]),
    ("Tuesday the 3rd at clinic", [("3rd", D)]),
    ("it's the 11th today", [("11th", D)]),
    ("plans for Christmas with family", [("Christmas", D)]),
    ("s/p pelvic fx4/97, right arm", [("4/97", D)]),
    ("He returned to OR on 7-8 for coiling", [("7-8", D)]),
    ("CABG '79, GERD", [("'79", D)]),
    ("HAD TREATMENTS 10/03/10/04 AND DUE", [("10/03/10/04", D)]),
]

KEEP_TABLE: list[str] = [
    "pain 5/10 in the chest, rated 8/10 yesterday",
    "strength 4/5 right arm, 5/5 elsewhere",
    "took 1/2 tab of lorazepam",
    "resp distress 2/2 CHF",
    "BP 120/80, HR 110, PEEP 5, AC 14/300/P 5/30%",
    "chest pain for 3 days, since last night, x2d",
    "3-5 days of cough",
    "at 14:30 became hypotensive",
    "may need more fluids in March if he can march",
    "sats in the 90s on 2L",
    "2/6 systolic murmur, MAE",
    "S/P MI 1992",
    "dec breath sounds at bases",
]

AGE_TABLE: list[tuple[str, list[tuple[str, str]]]] = [
    ("92 yo male with fever", [("92", A)]),
    ("a 94-year-old woman", [("94", A)]),
    ("aged 97, lives alone", [("97", A)]),
    ("in her 90s and frail", [("90s", A)]),
    ("101 y/o F", [("101", A)]),
    ("89 yo male with fever", []),
    ("67 year old woman", []),
]


@pytest.mark.parametrize(("text", "expected"), DATE_TABLE)
def test_date_recognizer_span_table(text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(DateRecognizer, text) == expected


@pytest.mark.parametrize("text", KEEP_TABLE)
def test_clinical_numbers_are_not_dates(text: str) -> None:
    assert redactor_spans(text) == []


@pytest.mark.parametrize(("text", "expected"), AGE_TABLE)
def test_age_over_89_span_table(text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(AgeOver89Recognizer, text) == expected


def test_age_placeholder_has_no_number() -> None:
    from triage_app.privacy.redactor import default_redactor

    assert default_redactor().redact("92 yo and aged 95").text == "[AGE>89] yo and aged [AGE>89]"
