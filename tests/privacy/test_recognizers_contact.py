"""Span table: phone/fax/pager numbers, e-mail, URLs and IP addresses."""

from __future__ import annotations

import pytest

from tests.privacy.span_table import recognizer_spans, redactor_spans
from triage_app.privacy.recognizers.contact import EmailRecognizer, IpAddressRecognizer, PhoneRecognizer, UrlRecognizer

P = "PHONE"

PHONE_TABLE: list[tuple[str, list[tuple[str, str]]]] = [
    ("call 410-555-1234 today", [("410-555-1234", P)]),
    ("wife (201) 324-1423 home", [("(201) 324-1423", P)]),
    ("cell 410.555.1234", [("410.555.1234", P)]),
    ("reached at 202 267 1093.", [("202 267 1093", P)]),
    ("his wife (201/324/1423) confirmed", [("201/324/1423", P)]),
    ("son (240444-1243) was in", [("240444-1243", P)]),
    ("fax +1 617 555 0199", [("+1 617 555 0199", P)]),
    ("UK mobile 07700 900123", [("07700 900123", P)]),
    ("landline +44 20 7946 0958", [("+44 20 7946 0958", P)]),
    ("daughter's number 0161-496-0732, pain", [("0161-496-0732", P)]),
    ("ring 020-7946-0018 today", [("020-7946-0018", P)]),
    ("mobile 07700-900-123", [("07700-900-123", P)]),
    ("Pager: #12345 Time 10am", [("12345", P)]),
    ("ext 4521 for the ward", [("4521", P)]),
    ("local 555-1234", [("555-1234", P)]),
]


@pytest.mark.parametrize(("text", "expected"), PHONE_TABLE)
def test_phone_span_table(text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(PhoneRecognizer, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail john.smith@example.com now", [("john.smith@example.com", "EMAIL")]),
        ("a.b+tag@mail.nhs.uk.", [("a.b+tag@mail.nhs.uk", "EMAIL")]),
        ("no at sign here", []),
    ],
)
def test_email_span_table(text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(EmailRecognizer, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://portal.example.org/p?id=7 now", [("https://portal.example.org/p?id=7", "URL")]),
        ("www.example.org/portal", [("www.example.org/portal", "URL")]),
        ("facebook.com/jsmith page", [("facebook.com/jsmith", "URL")]),
        ("temp 38.5 and Na 1.35", []),
    ],
)
def test_url_span_table(text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(UrlRecognizer, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from 192.168.1.20 at noon", [("192.168.1.20", "IP")]),
        ("host fe80::1ff:fe23:4567:890a up", [("fe80::1ff:fe23:4567:890a", "IP")]),
        ("version 1.2.3.999 is not an address", []),
    ],
)
def test_ip_span_table(text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(IpAddressRecognizer, text) == expected


@pytest.mark.parametrize("text", ["BP 120/80 HR 88 RR 16", "WBC 14.2, Hct 29.4, Plt 188", "heparin 1000 units/hr", "x2 over 24 hrs"])
def test_vitals_and_labs_are_not_contacts(text: str) -> None:
    assert redactor_spans(text) == []
