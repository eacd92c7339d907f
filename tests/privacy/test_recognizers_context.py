"""Span tables for the context rules added for recall: two-digit years in history lines,
and names that join a neighbouring name (a lone initial, an unknown capitalised surname,
a list after "and"). Names and places here are invented for the tests."""

from __future__ import annotations

import pytest

from tests.privacy.span_table import recognizer_spans, redactor_spans
from triage_app.privacy.recognizers.dates import DateRecognizer
from triage_app.privacy.recognizers.names import NameRecognizer

D = "DATE"
N = "NAME"

HISTORY_YEARS = [
    ("PMH: CAD: NQWMI 13. HTN. EF 50%.", [("13", D)]),
    ("PMH: diabetes. 07 PTCA to LAD. 11 stent to RCA.", [("07", D), ("11", D)]),
    ("PSH: s/p CABG in 98, AVR 04", [("98", D), ("04", D)]),
    ("h/o CVA 91 with residual L weakness", [("91", D)]),
]

HISTORY_NOT_YEARS = [
    "PMH: CABG 10 yrs ago, MI 12 days ago, stent 18 mm, CA 19-9 high, CABG x3, MI 2 yrs",
    "PMH: MI 13.5 hours before arrival; cath 30% LAD",
    "PMH: 12 stents over the years",
    "HR 98 MI 13 without any past notes here",  # no history cue before the number
    "Cath 12 Fr sheath placed",
    "26F, 11/40 pregnant, PV bleeding since this morning. G2P1 at 32/40 by dates.",
]

NAMES = [
    # a lone initial after a verb cue joins the surname
    ("systolic bp 120 to 135 per j mcnulty.pacing wires", [("j mcnulty", N)]),
    # mixed case: an unknown capitalised word after a name is its surname
    ("Son and daughter very devoted. Quenby Vartelli cell# 555-0100", [("Quenby Vartelli", N)]),
    # a list of names continues after "and" with a word no list knows
    ("health care proxys are suzette and vaelo", [("suzette", N), ("vaelo", N)]),
    # initials still start names, also after a hyphen
    ("per B. Kargas. E. WELSH AWARE. J SMITH ORDERED.", [("B. Kargas", N), ("E. WELSH", N), ("J SMITH", N)]),
    ("GIVEN CARAFATE-W. MAROTTA AWARE-WILL START", [("W. MAROTTA", N)]),
]

NAMES_KEPT = [
    "epicardial wires hooked to box and transvenous pacer",
    "Reed Sternberg cells seen; Hurthle cell adenoma",
    "per d/c summary, restarted on heparin",
    # the last letter of an abbreviation, or a side, before a word is no initial
    "NEURO: A&O. PLEASANT MAE. RESP: WITH R.R. CONTROLLED.",
    "Good BP cntl noted O/N. Blood clot drawn and sent.",
    "CLEAR R. BASE, DIMINISHED L. BASE.",
]


@pytest.mark.parametrize(("text", "expected"), HISTORY_YEARS)
def test_two_digit_years_in_history(text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(DateRecognizer, text) == expected


@pytest.mark.parametrize("text", HISTORY_NOT_YEARS)
def test_history_numbers_that_are_not_years(text: str) -> None:
    assert recognizer_spans(DateRecognizer, text) == []


@pytest.mark.parametrize(("text", "expected"), NAMES)
def test_names_join_their_neighbours(text: str, expected: list[tuple[str, str]]) -> None:
    assert [s for s in recognizer_spans(NameRecognizer, text) if s[1] == N] == expected
    assert [s for s in redactor_spans(text) if s[1] == N] == expected


@pytest.mark.parametrize("text", NAMES_KEPT)
def test_clinical_words_do_not_join_names(text: str) -> None:
    assert [s for s in redactor_spans(text) if s[1] == N] == []


#: Clinical upper-case text that looks like "<number> <words> <street type>".
NOT_ADDRESSES = [
    "GU: 3 WAY FOLEY IN PLACE & DRAINING",
    "RO W NEG CKS. 10/3 PERSANTINE THALLIUM ST-BORDERLINE ISCHEMIC",
    "ENDO=BS COVER W 4U REG SQ @ 0200.",
    "EKG W NEW QS V1-5 WO ACUTE ST CHGS.",
    "PT HAD BASELINE 1 ST DEGREE AV BLOCK AND COREG WAS HELD",
    "TRANSFUSE WITH 3 RD UNIT OF PRBCS",
]


@pytest.mark.parametrize("text", NOT_ADDRESSES)
def test_clinical_shorthand_is_not_an_address(text: str) -> None:
    assert [s for s in redactor_spans(text) if s[1] == "ADDRESS"] == []


def test_street_addresses_still_found() -> None:
    text = "lives at 12 Oak Street; home: 221B Baker St. 400 N. Charles Street, Apt 4; 1 St James Street"
    assert [s for s, label in redactor_spans(text) if label == "ADDRESS"] == [
        "12 Oak Street",
        "221B Baker St.",
        "400 N. Charles Street, Apt 4",
        "1 St James Street",
    ]


#: Measured ranges, ventilator rates, ABG strings, sizes and insulin that look like phone numbers,
#: extensions, IP addresses, ids or plates.
NOT_CONTACTS_OR_IDS = [
    "WITH HR 100-1112. SVR 954-1183; voiding 575-1000 cyu.",
    "changed to a/c 650 x10, on imv 700 x12 40% and 5 peep",
    "abg on these settings: 80/48/7.45.34.7 he continued to require",
    "RR-REG 14-22 BS CL. received 10u reg SQ at 11am. NPH and Reg at 9PM.",
    "Replaced foley with #20fr 3way. peripheral lines #20x2 R arm. TRANSFUSION OF #4PRBC",
]


@pytest.mark.parametrize("text", NOT_CONTACTS_OR_IDS)
def test_clinical_numbers_are_not_contacts_or_ids(text: str) -> None:
    assert redactor_spans(text) == []


def test_contacts_and_ids_still_found() -> None:
    text = "call wife 555-1234, home 410-322-1419 x123, reg no AB12 CDE, plate 7XYZ123, server 10.0.0.12"
    assert redactor_spans(text) == [
        ("555-1234", "PHONE"),
        ("410-322-1419 x123", "PHONE"),
        ("AB12 CDE", "ID"),
        ("7XYZ123", "ID"),
        ("10.0.0.12", "IP"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ABG 7.35/66/55 ON 10/5 BIPAP 65%. EXTUBATED FROM 5/5 PSV/CPAP.", []),
        ("seen on 5/5 by cardiology; admitted 10/5 for CP", [("5/5", D), ("10/5", D)]),
    ],
)
def test_ventilator_mode_after_a_ratio_makes_it_a_setting(text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(DateRecognizer, text) == expected
