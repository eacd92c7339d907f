"""Word segmentation and token-to-word mapping on tricky clinical text (span tables)."""

from __future__ import annotations

import pytest

from tests.fakes import tiny_wordpiece_tokenizer
from triage_app.core.errors import InputError
from triage_app.ml.word_spans import (
    EncodedText,
    Window,
    encode_words,
    make_windows,
    normalise,
    private_tokenizer,
    split_words,
    target_index_for,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BP 90/60", ["BP", "90/60"]),
        ("T 38.9", ["T", "38.9"]),
        ("T 38.9C, HR 120.", ["T", "38.9C", "HR", "120"]),
        ("cough x2d", ["cough", "x2d"]),
        ("SpO2 88% on RA", ["SpO2", "88%", "on", "RA"]),
        ("[NAME_1] seen by [NAME_2]", ["[NAME_1]", "seen", "by", "[NAME_2]"]),
        ("DOB [DATE_1], MRN [MRN_1].", ["DOB", "[DATE_1]", "MRN", "[MRN_1]"]),
        ("short-of-breath, n/v", ["short-of-breath", "n/v"]),
        ("pain!!! (severe)", ["pain", "severe"]),
        ("pt\u2019s chest 😀 pain", ["pt\u2019s", "chest", "pain"]),
        ("chest   pain\n\nfever\tcough", ["chest", "pain", "fever", "cough"]),
        ("at 10:30 gave 1,000 mL", ["at", "10:30", "gave", "1,000", "mL"]),
        ("pain,fever", ["pain", "fever"]),
        ("fièvre élevée", ["fièvre", "élevée"]),
        ("...", []),
    ],
)
def test_split_words_table(text: str, expected: list[str]) -> None:
    spans = split_words(text)
    assert [s.word for s in spans] == expected
    for span in spans:
        assert text[span.start : span.end] == span.word


TRICKY = "Pt [NAME_1] c/o chest pains x2d, BP 90/60; T 38.9 SpO2 88% 😀  short-of-breath\npt\u2019s ok!!"


def test_every_token_maps_inside_its_word() -> None:
    tokenizer = tiny_wordpiece_tokenizer()
    assert len(tokenizer.encode(TRICKY, add_special_tokens=False).ids) == 16  # the bundled one truncates
    encoded = encode_words(TRICKY, private_tokenizer(tokenizer))
    tokenizer.no_truncation()
    raw = tokenizer.encode(TRICKY, add_special_tokens=False)
    assert len(encoded.token_ids) == len(raw.ids) > 16  # truncation was undone in the private copy
    for (start, end), word_index in zip(raw.offsets, encoded.token_word):
        if word_index >= 0:
            word = encoded.words[word_index]
            assert word.start <= start < end <= word.end
        else:  # only punctuation/emoji are wordless
            assert not any(ch.isalnum() for ch in TRICKY[start:end])
    placeholder = next(i for i, w in enumerate(encoded.words) if w.word == "[NAME_1]")
    assert encoded.token_word.count(placeholder) == 5  # "[", "name", "_", "1", "]" -> one word


def test_private_tokenizer_leaves_the_original_alone() -> None:
    tokenizer = tiny_wordpiece_tokenizer()
    private_tokenizer(tokenizer)
    assert tokenizer.truncation is not None


def test_no_words_is_an_input_error() -> None:
    with pytest.raises(InputError):
        encode_words(" ... !! ", private_tokenizer(tiny_wordpiece_tokenizer()))


def _encoded(words_tokens: list[int]) -> EncodedText:
    owners: list[int] = []
    for word, count in enumerate(words_tokens):
        owners += [word] * count
    return EncodedText(text="", words=tuple(), token_ids=tuple(range(len(owners))), token_word=tuple(owners))


def test_single_window_when_it_fits() -> None:
    assert make_windows(_encoded([1, 2, 3]), max_length=8) == [Window(0, 6)]


def test_windows_cover_all_tokens_on_word_boundaries() -> None:
    encoded = _encoded([2, 1, 3, 2, 1, 2, 3, 1, 2, 2])
    windows = make_windows(encoded, max_length=8)
    assert len(windows) > 1
    starts = {0} | {i for i in range(1, 19) if encoded.token_word[i] != encoded.token_word[i - 1]} | {19}
    covered: set[int] = set()
    for w in windows:
        assert w.token_end - w.token_start <= 6
        assert w.token_start in starts and w.token_end in starts
        covered |= set(range(w.token_start, w.token_end))
    assert covered == set(range(19))


def test_normalise_scales_to_unit_max() -> None:
    assert normalise([0.2, -0.4, 0.1]) == pytest.approx([0.5, -1.0, 0.25])
    assert normalise([0.0, 0.0]) == [0.0, 0.0]


def test_target_index() -> None:
    assert target_index_for(2) == 1
    assert target_index_for(2, ["5", "4", "3", "2", "1"]) == 3
    with pytest.raises(InputError):
        target_index_for(6)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=40), st.integers(min_value=3, max_value=20))
def test_windows_always_cover_and_fit(tokens_per_word: list[int], max_length: int) -> None:
    encoded = _encoded(tokens_per_word)
    n = len(encoded.token_ids)
    windows = make_windows(encoded, max_length)
    covered: set[int] = set()
    for w in windows:
        assert 0 <= w.token_start < w.token_end <= n
        assert w.token_end - w.token_start <= max_length - 2
        covered |= set(range(w.token_start, w.token_end))
    assert covered == set(range(n))
    assert [w.token_start for w in windows] == sorted({w.token_start for w in windows})  # always progresses


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 .,/%-_[]NAME\n😀é")), max_size=60))
def test_split_words_offsets_always_exact(text: str) -> None:
    previous_end = 0
    for span in split_words(text):
        assert text[span.start : span.end] == span.word and span.start >= previous_end
        previous_end = span.end
