"""Word highlights as paragraph markup: palette steps, underline cue, escaping, bad offsets."""

from __future__ import annotations

import re

import pytest

from triage_app.core.results import WordAttribution
from triage_app.reporting.markup import (
    attribution_markup,
    highlight_colour,
    legend_markup,
    plain_markup,
    step_of,
)


def luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b  # what a greyscale printer keeps


def strip_tags(markup: str) -> str:
    text = re.sub(r"<br/>", "\n", markup)
    text = re.sub(r"<[^>]+>", "", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize(("score", "step"), [(0.0, 0), (0.09, 0), (0.1, 1), (-0.39, 1), (0.4, 2), (-0.69, 2), (0.7, 3), (-1.0, 3), (5.0, 3)])
def test_step_of(score: float, step: int) -> None:
    assert step_of(score) == step


def test_steps_get_darker_on_both_sides_and_survive_greyscale() -> None:
    for sign in (1, -1):
        greys = [luminance(highlight_colour(sign * s) or "#ffffff") for s in (0.05, 0.2, 0.5, 0.9)]
        assert greys == sorted(greys, reverse=True)
        assert len(set(greys)) == 4
    # The darkest step still keeps black text readable.
    assert luminance(highlight_colour(1.0) or "") > 120
    assert luminance(highlight_colour(-1.0) or "") > 120
    assert highlight_colour(0.05) is None


def test_supporting_words_are_underlined_opposing_are_not() -> None:
    text = "crushing chest pain, reflux"
    attrs = [WordAttribution(0, 8, "crushing", 0.9), WordAttribution(21, 27, "reflux", -0.5)]
    markup = attribution_markup(text, attrs)
    assert f'<span backColor="{highlight_colour(0.9)}"><u>crushing</u></span>' in markup
    assert f'<span backColor="{highlight_colour(-0.5)}">reflux</span>' in markup
    assert strip_tags(markup) == text


def test_text_is_escaped_and_line_breaks_kept() -> None:
    text = "pain <b>&\nfever"
    assert plain_markup(text) == "pain &lt;b&gt;&amp;<br/>fever"
    markup = attribution_markup(text, [WordAttribution(12, 17, "fever", 0.5)])
    assert strip_tags(markup) == text


def test_bad_and_overlapping_offsets_are_skipped() -> None:
    text = "chest pain"
    attrs = [
        WordAttribution(0, 5, "chest", 0.5),
        WordAttribution(3, 8, "st pa", 0.9),  # overlaps the previous word
        WordAttribution(6, 40, "pain", 0.9),  # beyond the end
        WordAttribution(7, 7, "", 0.9),  # empty
    ]
    markup = attribution_markup(text, attrs)
    assert markup.count("<span") == 1
    assert strip_tags(markup) == text


def test_weak_scores_leave_words_plain() -> None:
    assert attribution_markup("mild cough", [WordAttribution(0, 4, "mild", 0.05)]) == "mild cough"


def test_legend_names_target_and_both_cues() -> None:
    support, against = legend_markup("level 2 (Emergent)")
    assert "words support level 2 (Emergent)" in strip_tags(support)
    assert support.count("<u>") == 3 and "<u>" not in against
    assert against.count("backColor") == 3
