"""GUI composition root: builds services and hands them to the Qt layer.

Imports nothing from PySide6 itself; ``triage_app.ui.main_window`` does (lazily here,
so ``--help`` and ``--self-test`` never pay for Qt).
"""

from __future__ import annotations

from collections.abc import Sequence


def run_gui(argv: Sequence[str] | None = None) -> int:
    """Start the desktop app. Returns the process exit code."""
    from triage_app.core.offline import enforce_offline

    enforce_offline()
    from triage_app.ui.application import run

    return run(list(argv or []))


__all__ = ["run_gui"]
