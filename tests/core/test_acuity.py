from __future__ import annotations

import pytest

from triage_app.core.acuity import ACUITY_SCALE, LEVEL_LABELS, acuity_level, most_urgent, tier


def test_scale_has_five_ordered_levels_with_increasing_target_times() -> None:
    assert [lvl.number for lvl in ACUITY_SCALE] == [1, 2, 3, 4, 5]
    assert LEVEL_LABELS == ("1", "2", "3", "4", "5")
    minutes = [lvl.target_minutes for lvl in ACUITY_SCALE]
    assert minutes == sorted(minutes) and minutes[0] == 0
    assert len({lvl.colour for lvl in ACUITY_SCALE}) == 5


@pytest.mark.parametrize("bad", [0, 6, -1, 2.0, True, "3"])
def test_acuity_level_rejects_non_levels(bad: object) -> None:
    with pytest.raises(ValueError):
        acuity_level(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(("level", "expected"), [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3)])
def test_three_tier_view(level: int, expected: int) -> None:
    assert tier(level) == expected


def test_most_urgent_ignores_none() -> None:
    assert most_urgent(4, None, 2, 3) == 2
    with pytest.raises(ValueError):
        most_urgent(None)
