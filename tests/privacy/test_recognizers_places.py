"""Span table: street addresses, ZIP/post codes, hospitals, cities and wards."""

from __future__ import annotations

import pytest

from tests.privacy.span_table import recognizer_spans, redactor_spans
from triage_app.privacy.recognizers.places import (
    HospitalRecognizer,
    PlaceRecognizer,
    StreetAddressRecognizer,
    ZipCodeRecognizer,
)

AD = "ADDRESS"
L = "LOCATION"


@pytest.mark.parametrize(
    ("cls", "text", "expected"),
    [
        (StreetAddressRecognizer, "lives at 12 Oak Street with wife", [("12 Oak Street", AD)]),
        (StreetAddressRecognizer, "home: 221B Baker St, London", [("221B Baker St", AD)]),
        (StreetAddressRecognizer, "PO Box 1234", [("PO Box 1234", AD)]),
        (StreetAddressRecognizer, "given 2 units st", []),
        (ZipCodeRecognizer, "Springfield, MA 01103", [("01103", AD)]),
        (ZipCodeRecognizer, "zip 02115-1234", [("02115-1234", AD)]),
        (ZipCodeRecognizer, "London SW1A 1AA", [("SW1A 1AA", AD)]),
        (HospitalRecognizer, "transferred from Calvert Hospital today", [("Calvert", L)]),
        (HospitalRecognizer, "TRANSFER FROM CALVERT HOSPITAL FOR", [("CALVERT", L)]),
        (HospitalRecognizer, "accepted from Holy Cross Hospital", [("Holy Cross", L)]),
        (HospitalRecognizer, "wishes to return to St Mary's after weaning", [("St Mary's", L)]),
        (HospitalRecognizer, "followed at MGH cardiology", [("MGH", L)]),
        (HospitalRecognizer, "admitted from University of Maryland yesterday", [("University of Maryland", L)]),
        (HospitalRecognizer, "HR 110 ST with rare PVCs", []),
        (PlaceRecognizer, "Nephew of Towson visited", [("Towson", L)]),
        (PlaceRecognizer, "he lives in Hampton with his son", [("Hampton", L)]),
        (PlaceRecognizer, "will transfer to Quartermain 2 tomorrow", [("Quartermain", L)]),
        (PlaceRecognizer, "new job in Bel Air and", [("Bel Air", L)]),
        (PlaceRecognizer, "to the ICU, then to PCU later", []),
    ],
)
def test_place_span_table(cls: type, text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(cls, text) == expected


@pytest.mark.parametrize(
    "text",
    ["Lives in Maryland", "moved to the floor", "Transfer to ICU for monitoring", "NGT to LCS with bilious drainage", "OOB to chair x2"],
)
def test_state_and_units_are_kept(text: str) -> None:
    assert [s for s in redactor_spans(text) if s[1] == "LOCATION"] == []
