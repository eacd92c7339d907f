"""The word lists are American; British spellings of clinical and everyday words count as
words (so "Oedema" or "Centre" is never taken for a name), while names stay names."""

from __future__ import annotations

import pytest

from tests.privacy.span_table import redactor_spans
from triage_app.privacy.recognizers.lexicon import american_spelling, default_lexicon


@pytest.mark.parametrize(
    ("british", "american"),
    [
        ("oedema", "edema"),
        ("haematoma", "hematoma"),
        ("paediatric", "pediatric"),
        ("anaesthetist", "anesthetist"),
        ("diarrhoea", "diarrhea"),
        ("oesophagus", "esophagus"),
        ("colour", "color"),
        ("tumours", "tumors"),
        ("centre", "center"),
        ("litres", "liters"),
        ("mobilised", "mobilized"),
        ("paralyse", "paralyze"),
        ("programme", "program"),
        ("manoeuvre", "maneuver"),
    ],
)
def test_american_spelling(british: str, american: str) -> None:
    assert american_spelling(british) == american
    assert default_lexicon().is_common(british)


@pytest.mark.parametrize("name", ["andre", "noel", "claire", "louise", "raphael", "vaelo", "chloe"])
def test_names_are_not_read_as_british_spellings(name: str) -> None:
    assert not default_lexicon().is_common(name)


@pytest.mark.parametrize(
    "text",
    [
        "Spoke to Haematology re: INR. Oedema to both ankles. Diarrhoea x3 today.",
        "Seen by Paediatrics, Anaesthetist aware. Mobilised to chair.",
        "Dyspnoea on exertion; Orthopaedics to review tumour site.",
    ],
)
def test_british_clinical_text_survives(text: str) -> None:
    assert redactor_spans(text) == []
