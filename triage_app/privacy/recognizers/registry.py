"""The recognizer registry. Adding an identifier type = one class + one line here."""

from __future__ import annotations

from triage_app.privacy.recognizers.base import Recognizer
from triage_app.privacy.recognizers.contact import EmailRecognizer, IpAddressRecognizer, PhoneRecognizer, UrlRecognizer
from triage_app.privacy.recognizers.dates import AgeOver89Recognizer, DateRecognizer
from triage_app.privacy.recognizers.facilities import ContextPlaceRecognizer
from triage_app.privacy.recognizers.identifiers import (
    NhsNumberRecognizer,
    RecordNumberRecognizer,
    SsnRecognizer,
    VehicleRecognizer,
)
from triage_app.privacy.recognizers.lexicon import Lexicon, default_lexicon
from triage_app.privacy.recognizers.names import NameRecognizer
from triage_app.privacy.recognizers.places import (
    HospitalRecognizer,
    PlaceRecognizer,
    StreetAddressRecognizer,
    ZipCodeRecognizer,
)

#: Every recognizer the default redactor runs, one line per identifier type.
DEFAULT_RECOGNIZERS: tuple[type[Recognizer], ...] = (
    EmailRecognizer,
    UrlRecognizer,
    IpAddressRecognizer,
    PhoneRecognizer,
    SsnRecognizer,
    NhsNumberRecognizer,
    RecordNumberRecognizer,
    VehicleRecognizer,
    DateRecognizer,
    AgeOver89Recognizer,
    StreetAddressRecognizer,
    ZipCodeRecognizer,
    HospitalRecognizer,
    PlaceRecognizer,
    ContextPlaceRecognizer,
    NameRecognizer,
)


def build_recognizers(
    lexicon: Lexicon | None = None, classes: tuple[type[Recognizer], ...] = DEFAULT_RECOGNIZERS
) -> tuple[Recognizer, ...]:
    """Instantiate ``classes`` with one shared lexicon (the packaged one by default)."""
    lex = lexicon if lexicon is not None else default_lexicon()
    return tuple(cls(lex) for cls in classes)


__all__ = ["DEFAULT_RECOGNIZERS", "build_recognizers"]
