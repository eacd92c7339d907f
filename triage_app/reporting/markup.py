"""Word attributions as reportlab paragraph markup (pure Python; no reportlab import).

Palette: the app's blue/orange diverging pair (the same hues as the on-screen explanation),
safe for deuteranopia, protanopia and tritanopia. **Blue = supports** the explained level,
**orange = points away** from it. Strength is quantised into three lightness steps so it
still reads on a greyscale printer, and the sign has a non-colour cue: supporting words are
underlined, opposing words are not.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from triage_app.core.results import WordAttribution

SUPPORT_RGB: tuple[int, int, int] = (33, 102, 172)  # blue  #2166AC
AGAINST_RGB: tuple[int, int, int] = (179, 88, 6)  # orange #B35806
#: |score| below this is noise and stays unhighlighted.
MIN_VISIBLE = 0.1
#: (lower bound of |score|, amount of the full colour mixed into white). Black text stays
#: readable on the darkest step (WCAG contrast > 7:1).
STEPS: tuple[tuple[float, float], ...] = ((0.1, 0.18), (0.4, 0.38), (0.7, 0.6))


def _mix(rgb: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    r, g, b = rgb
    return (round(255 + (r - 255) * amount), round(255 + (g - 255) * amount), round(255 + (b - 255) * amount))


def hex_colour(rgb: tuple[int, int, int]) -> str:
    """"#rrggbb" for an RGB triple."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def step_of(score: float) -> int:
    """0 (not shown) or 1–3 (light to dark) for a score in [-1, 1]."""
    strength = min(abs(float(score)), 1.0)
    step = 0
    for i, (lower, _) in enumerate(STEPS, start=1):
        if strength >= lower:
            step = i
    return step


def highlight_colour(score: float) -> str | None:
    """Background colour for a score, or None when it is too weak to show."""
    step = step_of(score)
    if step == 0:
        return None
    return hex_colour(_mix(SUPPORT_RGB if score > 0 else AGAINST_RGB, STEPS[step - 1][1]))


def plain_markup(text: str) -> str:
    """Escape text for a reportlab Paragraph, keeping line breaks."""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def attribution_markup(text: str, attributions: Sequence[WordAttribution]) -> str:
    """``text`` as Paragraph markup with each attributed word highlighted.

    Attributions whose offsets overlap an earlier one or fall outside ``text`` are skipped,
    so bad offsets can never garble the complaint.
    """
    parts: list[str] = []
    pos = 0
    for attr in sorted(attributions, key=lambda a: (a.start, a.end)):
        if attr.start < pos or attr.end > len(text) or attr.end <= attr.start:
            continue
        colour = highlight_colour(attr.score)
        if colour is None:
            continue
        parts.append(plain_markup(text[pos : attr.start]))
        word = plain_markup(text[attr.start : attr.end])
        if attr.score > 0:
            word = f"<u>{word}</u>"
        parts.append(f'<span backColor="{colour}">{word}</span>')
        pos = attr.end
    parts.append(plain_markup(text[pos:]))
    return "".join(parts)


def legend_markup(target: str) -> tuple[str, str]:
    """Two legend lines, one per colour, each showing its three steps and its underline cue.

    Args:
        target: What the attributions explain, e.g. "level 2 (Emergent)".
    """
    names = ((0.2, "weak"), (0.55, "moderate"), (0.85, "strong"))
    support = " ".join(f'<span backColor="{highlight_colour(v)}"><u>&nbsp;{n}&nbsp;</u></span>' for v, n in names)
    against = " ".join(f'<span backColor="{highlight_colour(-v)}">&nbsp;{n}&nbsp;</span>' for v, n in names)
    return (
        f"<b>Blue, underlined</b> words support {escape(target)}: {support}",
        f"<b>Orange, not underlined</b> words point away from it: {against}",
    )


__all__ = [
    "AGAINST_RGB",
    "MIN_VISIBLE",
    "STEPS",
    "SUPPORT_RGB",
    "attribution_markup",
    "hex_colour",
    "highlight_colour",
    "legend_markup",
    "plain_markup",
    "step_of",
]
