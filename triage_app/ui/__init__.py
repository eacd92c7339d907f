"""The desktop GUI (PySide6 is imported only under this package).

Modules: ``application`` (start-up, ``run(argv)``), ``main_window``, the views
(``intake_panel``, ``result_panel``, ``attribution_view``, ``decision_panel``, ``history_view``,
``settings_view``, ``model_view``, ``first_run``, ``redaction_review``), ``operations`` (one
function per user action), ``workers`` (the one worker mechanism) and ``theme``.
Importing this package imports no Qt; import the submodules you need.
"""

from __future__ import annotations

__all__: list[str] = []
