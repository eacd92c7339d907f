"""Property tests: the redactor never crashes, its spans are in bounds, sorted and
disjoint, the text is rebuilt from them exactly, and redacting twice changes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage_app.core.results import RedactionSpan
from triage_app.privacy.redactor import apply_spans, default_redactor

WORDS = [
    "Dr.", "Smith", "MR", "EDWIN", "wife", "Carol", "called", "410-555-1234", "3/14", "on", "the", "14th",
    "March", "92", "yo", "aged", "MRN", "4471190", "pain", "5/10", "BP", "120/80", "lasix", "40", "mg",
    "Parkinson's", "disease", "from", "Calvert", "Hospital", "lives", "in", "Towson", "john@x.org",
    "www.x.com", "#", "x2d", "RN", ",", ".", "\n", "[NAME_1]", "[DATE_2]", "[AGE>89]", "St.", "Mary's",
    "SON", "ROB", "12", "Oak", "Street", "MA", "01103", "(", ")", "-", "'79", "per", "E.", "WELSH", "aware",
]
notes = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
any_text = st.text(max_size=200)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(text: str) -> None:
    result = default_redactor().redact(text)
    previous_end = 0
    rebuilt = []
    for span in result.spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= previous_end
        rebuilt.append(text[previous_end : span.start])
        rebuilt.append(span.placeholder)
        previous_end = span.end
    rebuilt.append(text[previous_end:])
    assert "".join(rebuilt) == result.text
    again = default_redactor().redact(result.text)
    assert again.text == result.text


@FUZZ
@given(notes)
def test_fuzz_clinical_word_soup(text: str) -> None:
    _check(text)


@FUZZ
@given(any_text)
def test_fuzz_arbitrary_unicode(text: str) -> None:
    _check(text)


@FUZZ
@given(notes, st.lists(st.tuples(st.integers(-5, 300), st.integers(-5, 300)), max_size=6))
def test_fuzz_apply_spans_any_selection(text: str, ranges: list[tuple[int, int]]) -> None:
    spans = [RedactionSpan(min(a, b), max(a, b), "NAME") for a, b in ranges]
    result = apply_spans(text, spans)
    for a, b in zip(result.spans, result.spans[1:]):
        assert a.end <= b.start
    for s in result.spans:
        assert 0 <= s.start < s.end <= len(text)
