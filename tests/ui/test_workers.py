"""The one worker mechanism: callbacks on the GUI thread, errors to the one handler."""

from __future__ import annotations

import threading
from typing import Any

from triage_app.ui.operations import Operation


def _runner(errors: list[BaseException]) -> Any:
    from triage_app.ui.workers import TaskRunner

    return TaskRunner(errors.append)


def test_success_and_progress_arrive_on_gui_thread(qtbot: Any) -> None:
    errors: list[BaseException] = []
    tasks = _runner(errors)
    seen: dict[str, Any] = {}

    def work(progress: Any) -> int:
        seen["worker_thread"] = threading.current_thread()
        progress(0.5, "half")
        return 41 + 1

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback_thread"] = threading.current_thread()

    Operation("t", work).success(done).progress(lambda f, t: seen.setdefault("progress", (f, t))).run(tasks)
    qtbot.waitUntil(lambda: "value" in seen and not tasks.busy, timeout=5_000)
    assert seen["value"] == 42
    assert seen["worker_thread"] is not threading.main_thread()
    assert seen["callback_thread"] is threading.main_thread()
    assert seen["progress"] == (0.5, "half")
    assert errors == []


def test_unhandled_error_reaches_the_one_handler(qtbot: Any) -> None:
    errors: list[BaseException] = []
    tasks = _runner(errors)

    def boom(progress: Any) -> None:
        raise ValueError("x")

    Operation("t", boom).run(tasks)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5_000)
    assert isinstance(errors[0], ValueError)


def test_failure_callback_can_handle_error(qtbot: Any) -> None:
    errors: list[BaseException] = []
    handled: list[BaseException] = []
    tasks = _runner(errors)

    def boom(progress: Any) -> None:
        raise ValueError("x")

    Operation("t", boom).failure(lambda e: handled.append(e) or True).run(tasks)
    qtbot.waitUntil(lambda: not tasks.busy, timeout=5_000)
    assert len(handled) == 1 and errors == []


def test_bug_in_success_callback_still_reaches_handler(qtbot: Any) -> None:
    errors: list[BaseException] = []
    tasks = _runner(errors)

    def bad_callback(value: Any) -> None:
        raise KeyError("ui bug")

    Operation("t", lambda progress: 1).success(bad_callback).run(tasks)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=5_000)
    assert isinstance(errors[0], KeyError)


def test_busy_signal_toggles(qtbot: Any) -> None:
    tasks = _runner([])
    states: list[bool] = []
    tasks.busy_changed.connect(lambda busy, text: states.append(busy))
    gate = threading.Event()
    Operation("slow", lambda progress: gate.wait(5)).run(tasks)
    assert tasks.is_running("slow")
    gate.set()
    qtbot.waitUntil(lambda: not tasks.busy, timeout=5_000)
    assert states[0] is True and states[-1] is False
