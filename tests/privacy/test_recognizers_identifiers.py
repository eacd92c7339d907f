"""Span table: SSN, NHS numbers, MRN/account/plan/licence/device ids, vehicles."""

from __future__ import annotations

import pytest

from tests.privacy.span_table import recognizer_spans, redactor_spans
from triage_app.privacy.recognizers.identifiers import (
    NhsNumberRecognizer,
    RecordNumberRecognizer,
    SsnRecognizer,
    VehicleRecognizer,
)

I = "ID"  # noqa: E741


@pytest.mark.parametrize(
    ("cls", "text", "expected"),
    [
        (SsnRecognizer, "SSN 123-45-6789 on file", [("123-45-6789", I)]),
        (SsnRecognizer, "social security 123456789", [("123456789", I)]),
        (SsnRecognizer, "000-12-3456 is invalid", []),
        (NhsNumberRecognizer, "NHS number 943 476 5919", [("943 476 5919", I)]),
        (NhsNumberRecognizer, "9434765918 fails the check digit", []),
        (RecordNumberRecognizer, "MRN: 4471190", [("4471190", I)]),
        (RecordNumberRecognizer, "MR# A12-3456", [("A12-3456", I)]),
        (RecordNumberRecognizer, "account no. 88231-77", [("88231-77", I)]),
        (RecordNumberRecognizer, "Medicare 1EG4-TE5-MK73", [("1EG4-TE5-MK73", I)]),
        (RecordNumberRecognizer, "member id XKJ99812345", [("XKJ99812345", I)]),
        (RecordNumberRecognizer, "driver's license D1234567", [("D1234567", I)]),
        (RecordNumberRecognizer, "pacemaker serial PX44719A2", [("PX44719A2", I)]),
        (RecordNumberRecognizer, "per hospital policy #rg17, discussed", [("rg17", I)]),
        (RecordNumberRecognizer, "should arrive (ref # 8336652).", [("8336652", I)]),
        (RecordNumberRecognizer, "case 1 of 3, order 2 units", []),
        (VehicleRecognizer, "VIN 1HGCM82633A004352 recorded", [("1HGCM82633A004352", I)]),
        (VehicleRecognizer, "licence plate 7ABC123 at scene", [("7ABC123", I)]),
    ],
)
def test_identifier_span_table(cls: type, text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(cls, text) == expected


@pytest.mark.parametrize("text", ["ID: tmax 101.2, WBC 14", "#20g PIV in left arm", "given 2 units PRBC", "order of 3 doses"])
def test_clinical_numbers_are_not_ids(text: str) -> None:
    assert [s for s in redactor_spans(text) if s[1] == "ID"] == []
