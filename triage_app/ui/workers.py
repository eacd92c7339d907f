"""The one worker mechanism: run a callable on a QThreadPool, report back by signals.

Modelled on napari's ``create_worker`` and Anki's ``CollectionOp``: the background
callable receives data and a ``progress(fraction, text)`` callback, never widgets. Its
return value or exception comes back to the GUI thread through ``returned`` / ``errored``.
Every exception not handled by the operation's own ``failure`` callback reaches the single
error handler of the :class:`TaskRunner` (the main window's message bar).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], None]


class WorkerSignals(QObject):
    """Signals of one worker, each tagged with the worker's key.

    Emitted from the pool thread; they reach :class:`TaskRunner` slots, which live on the
    GUI thread, through queued connections, so every callback runs on the GUI thread.
    """

    started = Signal(object)
    returned = Signal(object, object)
    errored = Signal(object, object)
    progress = Signal(object, float, str)
    finished = Signal(object)


class Worker(QRunnable):
    """Runs ``fn(progress)`` once on a pool thread.

    Args:
        name: Fixed name of the user action (logged; never PHI).
        fn: The background callable. Receives a progress callback.
        key: Tag carried by every signal.
    """

    def __init__(self, name: str, fn: Callable[[ProgressFn], Any], key: int) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.name = name
        self.fn = fn
        self.key = key
        self.busy_text = name
        self.signals = WorkerSignals()

    def _progress(self, fraction: float, text: str = "") -> None:
        self.signals.progress.emit(self.key, float(fraction), str(text))

    def run(self) -> None:
        self.signals.started.emit(self.key)
        try:
            value = self.fn(self._progress)
        except BaseException as exc:  # noqa: BLE001 - every error goes to the one path
            self.signals.errored.emit(self.key, exc)
        else:
            self.signals.returned.emit(self.key, value)
        finally:
            self.signals.finished.emit(self.key)


class _Callbacks:
    __slots__ = ("on_success", "on_failure", "on_progress", "on_finished")

    def __init__(
        self,
        on_success: Callable[[Any], None] | None,
        on_failure: Callable[[BaseException], bool | None] | None,
        on_progress: Callable[[float, str], None] | None,
        on_finished: Callable[[], None] | None,
    ) -> None:
        self.on_success = on_success
        self.on_failure = on_failure
        self.on_progress = on_progress
        self.on_finished = on_finished


class TaskRunner(QObject):
    """Owns the thread pool, the running workers and the single error handler.

    Args:
        error_handler: Called on the GUI thread with every unhandled worker exception.
        pool: Thread pool to use (a private one by default, so closing can wait on it).
    """

    busy_changed = Signal(bool, str)

    def __init__(self, error_handler: Callable[[BaseException], None], pool: QThreadPool | None = None) -> None:
        super().__init__()
        self.error_handler = error_handler
        self.pool = pool or QThreadPool()
        self.pool.setMaxThreadCount(max(2, self.pool.maxThreadCount()))
        self._active: dict[int, Worker] = {}
        self._callbacks: dict[int, _Callbacks] = {}
        self._next_key = 1

    @property
    def active_names(self) -> list[str]:
        return [w.name for w in self._active.values()]

    def is_running(self, name: str) -> bool:
        return name in self.active_names

    @property
    def busy(self) -> bool:
        return bool(self._active)

    def start(
        self,
        name: str,
        fn: Callable[[ProgressFn], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[BaseException], bool | None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        busy_text: str = "",
    ) -> Worker:
        """Run ``fn`` on a worker; callbacks run on the GUI thread.

        ``on_failure`` may return True to say it fully handled the error; otherwise the
        error also goes to the single error handler.
        """
        key = self._next_key
        self._next_key += 1
        worker = Worker(name, fn, key)
        worker.busy_text = busy_text or name
        self._active[key] = worker
        self._callbacks[key] = _Callbacks(on_success, on_failure, on_progress, on_finished)
        worker.signals.returned.connect(self._returned)
        worker.signals.errored.connect(self._errored)
        worker.signals.progress.connect(self._progressed)
        worker.signals.finished.connect(self._finished)
        self.busy_changed.emit(True, self._busy_text())
        log.debug("operation %s started", name)
        self.pool.start(worker)
        return worker

    @Slot(object, object)
    def _returned(self, key: int, value: object) -> None:
        cbs = self._callbacks.get(key)
        if cbs is not None and cbs.on_success is not None:
            try:
                cbs.on_success(value)
            except Exception as exc:  # noqa: BLE001 - a UI callback bug still reaches the one path
                self._report(key, exc)

    @Slot(object, object)
    def _errored(self, key: int, exc: BaseException) -> None:
        self._report(key, exc)

    def _report(self, key: int, exc: BaseException) -> None:
        worker = self._active.get(key)
        name = worker.name if worker is not None else "operation"
        log.warning("operation %s failed: %s", name, type(exc).__name__)
        cbs = self._callbacks.get(key)
        handled = False
        if cbs is not None and cbs.on_failure is not None:
            handled = bool(cbs.on_failure(exc))
        if not handled:
            self.error_handler(exc)

    @Slot(object, float, str)
    def _progressed(self, key: int, fraction: float, text: str) -> None:
        cbs = self._callbacks.get(key)
        if cbs is not None and cbs.on_progress is not None:
            cbs.on_progress(fraction, text)

    @Slot(object)
    def _finished(self, key: int) -> None:
        self._active.pop(key, None)
        cbs = self._callbacks.pop(key, None)
        if cbs is not None and cbs.on_finished is not None:
            cbs.on_finished()
        self.busy_changed.emit(bool(self._active), self._busy_text())

    def _busy_text(self) -> str:
        return ", ".join(w.busy_text for w in self._active.values())

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until all workers finish (used when closing, so a save completes)."""
        return self.pool.waitForDone(msecs)


__all__ = ["ProgressFn", "TaskRunner", "Worker", "WorkerSignals"]
