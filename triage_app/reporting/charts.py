"""The probability bar chart over all five acuity levels (reportlab.graphics)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from triage_app.core.acuity import ACUITY_SCALE

ROW_HEIGHT = 13.0
BAR_HEIGHT = 9.0
LABEL_WIDTH = 78.0
VALUE_WIDTH = 34.0


def probability_chart(
    probabilities: Sequence[float],
    *,
    model_level: int,
    width: float,
    font: str,
    bold_font: str,
) -> Any:
    """A horizontal bar per level, in the level's colour, with its percentage printed.

    The model's own top level is drawn in bold with a dark outline, so it reads without
    colour. Bars are scaled to 100 %, not to the largest value, so small probabilities look
    small.

    Args:
        probabilities: Five probabilities, level 1 first.
        model_level: The model's suggested level (before safety rules).
        width: Drawing width in points.
        font: Regular font name; ``bold_font`` the bold one.

    Returns:
        A ``reportlab.graphics.shapes.Drawing``.
    """
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib import colors

    rows = len(ACUITY_SCALE)
    height = rows * ROW_HEIGHT + 12.0
    drawing = Drawing(width, height)
    bar_x = LABEL_WIDTH
    bar_w = max(20.0, width - LABEL_WIDTH - VALUE_WIDTH)
    for i, level in enumerate(ACUITY_SCALE):
        p = float(probabilities[i]) if i < len(probabilities) else 0.0
        p = min(max(p, 0.0), 1.0)
        y = height - (i + 1) * ROW_HEIGHT
        top = level.number == model_level
        face = bold_font if top else font
        drawing.add(String(0, y + 2, f"{level.number}  {level.short_name}", fontName=face, fontSize=8, fillColor=colors.black))
        drawing.add(Rect(bar_x, y, bar_w, BAR_HEIGHT, fillColor=colors.HexColor("#F2F2F2"), strokeColor=None))
        if p > 0:
            drawing.add(
                Rect(
                    bar_x,
                    y,
                    max(bar_w * p, 0.8),
                    BAR_HEIGHT,
                    fillColor=colors.HexColor(level.colour),
                    strokeColor=colors.black if top else None,
                    strokeWidth=1.0 if top else 0,
                )
            )
        drawing.add(String(bar_x + bar_w + 4, y + 2, f"{p * 100:.0f} %", fontName=face, fontSize=8, fillColor=colors.black))
    # 50 % guide, so bar lengths can be judged.
    mid = bar_x + bar_w * 0.5
    drawing.add(Line(mid, 2, mid, height - 8, strokeColor=colors.HexColor("#9E9E9E"), strokeWidth=0.4, strokeDashArray=[1.5, 1.5]))
    drawing.add(String(mid - 8, 0, "50 %", fontName=font, fontSize=6, fillColor=colors.HexColor("#616161")))
    return drawing


__all__ = ["probability_chart"]
