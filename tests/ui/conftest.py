"""UI fixtures: a real TriageService built from fakes, a real encrypted store when available."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import (
    FakeClassifier,
    FakeExplainer,
    InMemoryCaseRepository,
    MemoryAudit,
    RegexRedactor,
    fake_pdf_renderer,
)
from triage_app.core.paths import AppPaths, resolve_paths
from triage_app.core.results import Escalation
from triage_app.core.settings import Settings

pytest.importorskip("PySide6")

SPO2_RULE = Escalation("vitals.spo2_low", "SpO2 below 92%", 2, "ESI v4 decision point D", "SpO2 88")


class SpO2Rules:
    """Escalates only when SpO2 < 92, like the real rule, so danger colouring can be checked."""

    def evaluate(self, intake: Any) -> list[Escalation]:
        spo2 = intake.vitals.spo2
        return [SPO2_RULE] if spo2 is not None and spo2 < 92 else []


@pytest.fixture
def app_paths(isolated_data_dir: Path) -> AppPaths:
    return resolve_paths(isolated_data_dir).ensure()


@pytest.fixture
def audit() -> MemoryAudit:
    return MemoryAudit()


def _repository(paths: AppPaths) -> Any:
    try:
        from triage_app.privacy.store import CaseStore
    except ImportError:
        return InMemoryCaseRepository()
    return CaseStore.open(paths.store_path, os.urandom(32))


@pytest.fixture
def service_factory(audit: MemoryAudit) -> Callable[..., Any]:
    """A factory with the MainWindow signature; ``factory.classifier`` can be swapped by tests."""
    from triage_app.services import TriageService

    class Factory:
        classifier: Any = FakeClassifier(keywords={"chest": 2, "sprain": 5})
        rules: Any = SpO2Rules()

        def __call__(self, settings: Settings, paths: AppPaths) -> Any:
            return TriageService(
                settings=settings,
                classifier=self.classifier,
                redactor=RegexRedactor(),
                rules=self.rules,
                fast_explainer=FakeExplainer(),
                detailed_explainer_factory=FakeExplainer,
                audit=audit,
                pdf_renderer=fake_pdf_renderer,
            )

    return Factory()


@pytest.fixture
def store_opener(audit: MemoryAudit) -> Callable[..., Any]:
    """Opens a real encrypted CaseStore with a random key (or an in-memory one)."""

    def opener(paths: AppPaths, provider: Any) -> tuple[Any, Any]:
        return _repository(paths), audit

    return opener


@pytest.fixture
def make_window(
    qtbot: Any, app_paths: AppPaths, service_factory: Any, store_opener: Any
) -> Iterator[Callable[..., Any]]:
    from triage_app.ui.main_window import MainWindow

    windows: list[Any] = []

    def make(
        settings: Settings | None = None, factory: Any = None, opener: Any = None, load: bool = True, **kwargs: Any
    ) -> Any:
        window = MainWindow(
            settings or Settings(first_run_done=True, clinician_name="Nurse Test"),
            app_paths,
            service_factory=factory or service_factory,
            store_opener=opener or store_opener,
            **kwargs,
        )
        window.confirm = lambda title, text: True  # type: ignore[method-assign]
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        if load:
            with qtbot.waitSignal(window.service_loaded, timeout=10_000):
                window.start_loading()
            qtbot.waitUntil(lambda: not window.tasks.is_running("open_store"), timeout=10_000)
        return window

    yield make
    for window in windows:
        window.tasks.wait(10_000)
        if window.store is not None:
            window.store.repository.close()
