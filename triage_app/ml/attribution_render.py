"""Render word attributions over the shown text, as HTML (GUI, PDF, CLI) or ANSI (terminal).

Palette: a blue/orange diverging scale, safe for the common colour-vision deficiencies
(deuteranopia, protanopia, tritanopia keep blue and orange apart). **Blue = supports** the
target level, **orange = against**. Both hues get darker as |score| grows, so the strength of
a word still reads in greyscale by lightness; the sign also has a non-colour cue (supporting
words are underlined solid, opposing words dotted in HTML / not underlined in ANSI), and every
highlighted word carries its score in a tooltip.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence

from triage_app.core.results import WordAttribution

#: Strongest colours (at |score| = 1). Interpolated from white.
SUPPORT_RGB: tuple[int, int, int] = (33, 102, 172)  # blue  #2166AC
AGAINST_RGB: tuple[int, int, int] = (179, 88, 6)  # orange #B35806
#: Below this |score| a word is left unhighlighted (noise).
MIN_VISIBLE = 0.1

_RESET = "\x1b[0m"


def _mix(rgb: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    r, g, b = rgb
    return (round(255 + (r - 255) * amount), round(255 + (g - 255) * amount), round(255 + (b - 255) * amount))


def relative_luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG relative luminance of an sRGB colour (0 = black, 1 = white)."""

    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def score_colour(score: float) -> tuple[int, int, int] | None:
    """Background colour for a score in [-1, 1]; None when too weak to show.

    Lightness falls monotonically with |score| on both sides, so greyscale keeps the order.
    """
    strength = min(abs(float(score)), 1.0)
    if strength < MIN_VISIBLE:
        return None
    return _mix(SUPPORT_RGB if score > 0 else AGAINST_RGB, 0.2 + 0.8 * strength)


def text_colour(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white text, whichever contrasts better with ``background``."""
    return (0, 0, 0) if relative_luminance(background) > 0.18 else (255, 255, 255)


def _segments(text: str, attributions: Sequence[WordAttribution]) -> list[tuple[str, WordAttribution | None]]:
    """Split ``text`` into plain runs and attributed words (overlaps and bad offsets skipped)."""
    out: list[tuple[str, WordAttribution | None]] = []
    pos = 0
    for attr in sorted(attributions, key=lambda a: (a.start, a.end)):
        if attr.start < pos or attr.end > len(text) or attr.end <= attr.start:
            continue
        if attr.start > pos:
            out.append((text[pos : attr.start], None))
        out.append((text[attr.start : attr.end], attr))
        pos = attr.end
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def render_html(text: str, attributions: Sequence[WordAttribution]) -> str:
    """An HTML fragment of ``text`` with each attributed word highlighted (text is escaped)."""
    parts = ['<div class="triage-attributions" style="white-space: pre-wrap; line-height: 1.8;">']
    for chunk, attr in _segments(text, attributions):
        colour = score_colour(attr.score) if attr is not None else None
        if attr is None or colour is None:
            parts.append(html.escape(chunk))
            continue
        direction = "supports" if attr.score > 0 else "against"
        line = "solid" if attr.score > 0 else "dotted"
        parts.append(
            f'<span class="attr-{direction}" title="{direction} {attr.score:+.2f}" '
            f'style="background-color: {_hex(colour)}; color: {_hex(text_colour(colour))}; '
            f'text-decoration: underline {line}; padding: 0 1px; border-radius: 2px;">{html.escape(chunk)}</span>'
        )
    parts.append("</div>")
    return "".join(parts)


def legend_html(target_level: int | None = None) -> str:
    """A one-line legend naming the colours and cues."""
    target = f"level {target_level}" if target_level is not None else "the suggested level"
    blue, orange = _hex(SUPPORT_RGB), _hex(AGAINST_RGB)
    return (
        f'<p class="triage-legend"><span style="background-color: {blue}; color: #ffffff; text-decoration: underline solid;">'
        f"&nbsp;blue, underlined&nbsp;</span> supports {html.escape(target)}; "
        f'<span style="background-color: {orange}; color: #ffffff; text-decoration: underline dotted;">'
        f"&nbsp;orange, dotted&nbsp;</span> points away from it. Darker = stronger.</p>"
    )


def html_document(sections: Sequence[tuple[str, str]], title: str = "Word attributions") -> str:
    """A standalone HTML page from ``(heading, fragment)`` pairs, with the legend on top."""
    body = "".join(f"<section><h2>{html.escape(heading)}</h2>{fragment}</section>" for heading, fragment in sections)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;}h2{font-size:1em;}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{legend_html()}{body}</body></html>\n"
    )


def ansi_enabled() -> bool:
    """False when the NO_COLOR convention asks for plain text."""
    return "NO_COLOR" not in os.environ


def render_ansi(text: str, attributions: Sequence[WordAttribution], *, colour: bool | None = None) -> str:
    """``text`` for a terminal: 24-bit background colours, supporting words underlined.

    With ``colour=False`` (or NO_COLOR set) highlighted words are marked ``[word +0.82]``.
    """
    use_colour = ansi_enabled() if colour is None else colour
    parts: list[str] = []
    for chunk, attr in _segments(text, attributions):
        bg = score_colour(attr.score) if attr is not None else None
        if attr is None or bg is None:
            parts.append(chunk)
        elif not use_colour:
            parts.append(f"[{chunk} {attr.score:+.2f}]")
        else:
            fg = text_colour(bg)
            underline = "\x1b[4m" if attr.score > 0 else ""
            parts.append(f"\x1b[48;2;{bg[0]};{bg[1]};{bg[2]}m\x1b[38;2;{fg[0]};{fg[1]};{fg[2]}m{underline}{chunk}{_RESET}")
    return "".join(parts)


def legend_ansi(colour: bool | None = None) -> str:
    """One legend line for the terminal."""
    use_colour = ansi_enabled() if colour is None else colour
    if not use_colour:
        return "legend: [word +s] supports the target level, [word -s] points away from it"
    b, o = SUPPORT_RGB, AGAINST_RGB
    return (
        f"legend: \x1b[48;2;{b[0]};{b[1]};{b[2]}m\x1b[38;2;255;255;255m\x1b[4m blue, underlined {_RESET} supports, "
        f"\x1b[48;2;{o[0]};{o[1]};{o[2]}m\x1b[38;2;255;255;255m orange {_RESET} points away; darker = stronger"
    )


__all__ = [
    "AGAINST_RGB",
    "MIN_VISIBLE",
    "SUPPORT_RGB",
    "ansi_enabled",
    "html_document",
    "legend_ansi",
    "legend_html",
    "relative_luminance",
    "render_ansi",
    "render_html",
    "score_colour",
    "text_colour",
]
