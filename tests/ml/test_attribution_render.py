"""HTML/ANSI rendering of word attributions: escaping, offsets, palette, greyscale order."""

from __future__ import annotations

import re

import pytest

from triage_app.core.results import WordAttribution
from triage_app.ml.attribution_render import (
    AGAINST_RGB,
    SUPPORT_RGB,
    html_document,
    relative_luminance,
    render_ansi,
    render_html,
    score_colour,
    text_colour,
)

TEXT = "<b>[NAME_1]</b> chest pain & no fever\n2nd line"
ATTRS = [
    WordAttribution(3, 11, "[NAME_1]", 0.05),  # too weak to highlight
    WordAttribution(16, 21, "chest", 1.0),
    WordAttribution(22, 26, "pain", 0.5),
    WordAttribution(29, 31, "no", -0.8),
    WordAttribution(32, 37, "fever", -0.2),
]


def _strip_tags(fragment: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_html_keeps_the_exact_text_and_escapes_it() -> None:
    fragment = render_html(TEXT, ATTRS)
    assert "<b>[NAME_1]" not in fragment and "&lt;b&gt;" in fragment
    assert _strip_tags(fragment) == TEXT
    assert fragment.count('class="attr-supports"') == 2
    assert fragment.count('class="attr-against"') == 2
    assert 'title="supports +1.00"' in fragment and 'title="against -0.80"' in fragment


def test_sign_has_a_non_colour_cue() -> None:
    fragment = render_html(TEXT, ATTRS)
    assert re.search(r'attr-supports"[^>]*underline solid[^>]*>chest<', fragment)
    assert re.search(r'attr-against"[^>]*underline dotted[^>]*>no<', fragment)


def test_html_document_has_legend_and_sections() -> None:
    page = html_document([("case 1", render_html(TEXT, ATTRS))])
    assert page.startswith("<!DOCTYPE html>") and "supports" in page and "<h2>case 1</h2>" in page


def test_lightness_falls_monotonically_with_strength_on_both_sides() -> None:
    for sign in (1, -1):
        lum = [relative_luminance(score_colour(sign * s)) for s in (0.1, 0.3, 0.5, 0.7, 0.9, 1.0)]  # type: ignore[arg-type]
        assert lum == sorted(lum, reverse=True) and len(set(lum)) == len(lum)
    assert score_colour(0.05) is None and score_colour(-0.09) is None
    assert score_colour(1.0) == SUPPORT_RGB and score_colour(-1.0) == AGAINST_RGB


def test_blue_and_orange_differ_for_colour_blind_viewers() -> None:
    # Blue vs orange differ mainly on the blue-yellow axis, which red-green deficiencies keep:
    # the blue channel share must differ clearly between the two ends.
    def blue_share(rgb: tuple[int, int, int]) -> float:
        return rgb[2] / sum(rgb)

    assert blue_share(SUPPORT_RGB) - blue_share(AGAINST_RGB) > 0.4


@pytest.mark.parametrize("score", [1.0, 0.6, 0.2, -0.2, -0.6, -1.0])
def test_text_stays_readable(score: float) -> None:
    bg = score_colour(score)
    assert bg is not None
    fg = text_colour(bg)
    hi, lo = sorted((relative_luminance(bg), relative_luminance(fg)), reverse=True)
    assert (hi + 0.05) / (lo + 0.05) >= 4.5  # WCAG AA contrast


def test_ansi_colour_and_plain() -> None:
    coloured = render_ansi(TEXT, ATTRS, colour=True)
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == TEXT
    assert "\x1b[4mchest" in coloured  # supporting words underlined
    assert "\x1b[48;2;179;88;6m" not in coloured  # -0.8 is lighter than the full orange
    plain = render_ansi(TEXT, ATTRS, colour=False)
    assert "\x1b" not in plain and "[chest +1.00]" in plain and "[no -0.80]" in plain and "[NAME_1]</b>" in plain


def test_no_color_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b" not in render_ansi(TEXT, ATTRS)


def test_bad_offsets_are_skipped_not_fatal() -> None:
    attrs = [WordAttribution(0, 5, "chest", 1.0), WordAttribution(3, 8, "overlap", 1.0), WordAttribution(40, 99, "x", 1.0)]
    assert _strip_tags(render_html("chest pain", attrs)) == "chest pain"
