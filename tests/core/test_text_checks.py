"""Bad input: each case has a defined outcome (error or sensible cleaned text)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage_app.core.errors import InputError
from triage_app.core.intake import Intake
from triage_app.core.rules import default_rules
from triage_app.core.text_checks import NON_ENGLISH_REASON, check_text, clean_text, looks_non_english


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("   \n\t  ", "empty"),
        ("\x00\x01\x02\x03\x7f", "no readable text"),
        ("\ufffd\ufffd\ufffd", "no readable text"),
        ("😀🤒🚑", "no readable text"),
        ("!!! ??? ...", "no readable text"),
        ("120 80 98.6", "only numbers"),
        ("12/04 - 37.5", "only numbers"),
        ("x" * 100_000, "100,000 characters"),
    ],
)
def test_unusable_text_is_a_clear_input_error(text: str, match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        check_text(text)
    assert info.value.field == "text"
    assert info.value.fix  # every error tells the user what to do


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("chest\x00 pain\x07", "chest pain"),
        ("chest pain\r\nsince 2am", "chest pain\nsince 2am"),
        ("chest   pain\u200f", "chest pain"),  # bidi mark removed, spaces tidied
        ("abc\udc80def", "abcdef"),
    ],
)
def test_control_characters_are_stripped(text: str, cleaned: str) -> None:
    assert clean_text(text) == cleaned


def test_binary_junk_with_words_keeps_the_words_and_warns() -> None:
    junk = "\x00\x01\x02chest pain\x03\x04 since morning\x1b"
    checked = check_text(junk)
    assert checked.text == "chest pain since morning"
    assert any("control character" in w for w in checked.warnings)
    assert checked.uncertainty_reasons == ()


def test_emoji_text_is_processed() -> None:
    checked = check_text("chest pain 😣 since lunch 👍")
    assert "chest pain" in checked.text and "😣" in checked.text
    assert checked.warnings == ()


@pytest.mark.parametrize(
    "text",
    [
        "ألم في الصدر منذ ساعتين",  # Arabic (right to left)
        "כאב בחזה מאז הבוקר",  # Hebrew (right to left)
        "胸痛两个小时",
        "dolor de pecho desde hace dos horas con sudoración",
        "Schmerzen in der Brust seit zwei Stunden und Atemnot",
        "douleur dans la poitrine depuis ce matin",
    ],
)
def test_non_english_is_flagged_not_guessed(text: str) -> None:
    checked = check_text(text)
    assert NON_ENGLISH_REASON in checked.warnings
    assert NON_ENGLISH_REASON in checked.uncertainty_reasons
    assert checked.text  # still processed


@pytest.mark.parametrize(
    "text",
    [
        "chest pain radiating to the left arm since this morning",
        "pt c/o SOB x2 days, h/o COPD",
        "fell off bike, pain in right wrist",
        "fever and cough, no rash",
        "crushing chest pain, ECG done",
        "chest pain, patient is from Spain",
    ],
)
def test_english_notes_are_not_flagged(text: str) -> None:
    assert not looks_non_english(text)
    assert check_text(text).uncertainty_reasons == ()


def test_mixed_english_with_a_foreign_name_is_english() -> None:
    assert not looks_non_english("chest pain since this morning, lives with José")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_clean_text_or_input_error(text: str) -> None:
    try:
        checked = check_text(text)
    except InputError as exc:
        assert exc.field == "text"
        return
    assert checked.text and checked.text == checked.text.strip()
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in checked.text)
    escalations = default_rules().evaluate(Intake(checked.text))  # rules never crash on it either
    assert all(1 <= e.min_level <= 5 and e.reason for e in escalations)
