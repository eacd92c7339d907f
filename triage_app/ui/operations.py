"""One function per user action (STYLE habit 3).

Each function takes plain data (the service, an intake, a result...) and returns an
:class:`Operation`: a background callable plus success/failure callbacks. The callable
runs on a worker through :class:`triage_app.ui.workers.TaskRunner`; it must never touch a
widget. Errors not handled by ``failure`` reach the runner's single error handler.

Usage::

    ops.classify_case(service, intake, approved).success(panel.show_result).run(tasks)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage_app.core.intake import Intake
from triage_app.core.paths import AppPaths
from triage_app.core.protocols import CaseSummary, RedactedText
from triage_app.core.results import CaseRecord, RedactionSpan, TriageResult
from triage_app.core.settings import Settings, save_user_settings
from triage_app.ui.workers import ProgressFn, TaskRunner, Worker

if TYPE_CHECKING:
    from triage_app.services import TriageService

log = logging.getLogger(__name__)

PassphraseProvider = Callable[[bool], "str | None"]
ServiceFactory = Callable[[Settings, AppPaths], Any]
StoreOpener = Callable[[AppPaths, "PassphraseProvider | None"], "tuple[Any, Any]"]

@dataclass
class Operation:
    """A user action ready to run on a worker.

    Attributes:
        name: Fixed action name (logged, never PHI).
        fn: Background callable; receives a progress callback.
        busy_text: What the status bar shows while it runs.
    """

    name: str
    fn: Callable[[ProgressFn], Any]
    busy_text: str = ""
    _success: list[Callable[[Any], None]] = field(default_factory=list)
    _failure: Callable[[BaseException], bool | None] | None = None
    _progress: Callable[[float, str], None] | None = None
    _finished: Callable[[], None] | None = None

    def success(self, callback: Callable[[Any], None]) -> Operation:
        self._success.append(callback)
        return self

    def failure(self, callback: Callable[[BaseException], bool | None]) -> Operation:
        """Handle an error; return True to keep it from the global error path."""
        self._failure = callback
        return self

    def progress(self, callback: Callable[[float, str], None]) -> Operation:
        self._progress = callback
        return self

    def finished(self, callback: Callable[[], None]) -> Operation:
        self._finished = callback
        return self

    def run(self, tasks: TaskRunner) -> Worker:
        callbacks = list(self._success)

        def on_success(value: Any) -> None:
            for cb in callbacks:
                cb(value)

        return tasks.start(
            self.name,
            self.fn,
            on_success=on_success,
            on_failure=self._failure,
            on_progress=self._progress,
            on_finished=self._finished,
            busy_text=self.busy_text,
        )


@dataclass(frozen=True)
class OpenedStore:
    """The encrypted case store and audit log, to attach to the service."""

    repository: Any
    audit: Any
    purged: int = 0


@dataclass(frozen=True)
class Classification:
    """A result and the redaction that was classified (spans are saved with the case)."""

    result: TriageResult
    redacted: RedactedText


@dataclass(frozen=True)
class HistoryFilter:
    since: str | None = None
    until: str | None = None
    level: int | None = None
    text: str | None = None


def default_service_factory(settings: Settings, paths: AppPaths) -> Any:
    """Build the real service without its store (imported lazily so the window shows first)."""
    from triage_app.services import TriageService

    return TriageService.from_settings(settings, paths, open_store=False)


def default_store_opener(paths: AppPaths, passphrase_provider: PassphraseProvider | None) -> tuple[Any, Any]:
    """Obtain the data key (keyring or passphrase), open the store and the audit log."""
    from triage_app.services import open_case_store

    return open_case_store(paths, passphrase_provider)


def load_service(settings: Settings, paths: AppPaths, factory: ServiceFactory = default_service_factory) -> Operation:
    """Load model, redactor, rules and explainers. A missing model is kept, not raised."""

    def work(progress: ProgressFn) -> Any:
        progress(0.1, "Loading the model")
        return factory(settings, paths)

    return Operation("load_service", work, "Loading the model…")


def open_store(
    paths: AppPaths,
    passphrase_provider: PassphraseProvider | None,
    opener: StoreOpener = default_store_opener,
    *,
    retention_days: int = 0,
    clinician: str = "",
) -> Operation:
    """Unlock the encrypted case store (runs beside the model load; may ask for the passphrase).

    Runs separately from :func:`load_service` so that key setup never delays the first
    suggestion, and a wrong passphrase leaves the app classifying with saving turned off.
    Cases older than ``retention_days`` are purged once the store is open (audited).
    """

    def work(progress: ProgressFn) -> OpenedStore:
        repository, audit = opener(paths, passphrase_provider)
        purged = 0
        if retention_days > 0:
            purged = repository.purge(int(retention_days))
            if purged and audit is not None:
                audit.append("purged", clinician=clinician, detail=f"older_than_days={int(retention_days)} count={purged}")
        return OpenedStore(repository, audit, purged)

    return Operation("open_store", work, "Unlocking saved cases…")


def redact_preview(service: TriageService, text: str) -> Operation:
    """Find PHI in the complaint for the clinician's redaction review."""
    return Operation("redact_preview", lambda progress: service.redact(text), "Finding identifiers…")


def classify_case(service: TriageService, intake: Intake, approved: RedactedText | None) -> Operation:
    """Redact (or use the clinician-approved redaction), classify and apply the rules.

    The word explanation follows as its own operation (:func:`explain_case`), so the
    suggestion shows as soon as it exists.
    """

    def work(progress: ProgressFn) -> Classification:
        redacted = approved if approved is not None else service.redact(intake.text)
        result = service.triage(intake, redacted=redacted, explain=False)
        return Classification(result, redacted)

    return Operation("classify", work, "Classifying…")


def explain_case(service: TriageService, result: TriageResult, method: str, target_level: int | None = None) -> Operation:
    """Word attributions ("fast" perturbation or "ig" integrated gradients)."""

    def work(progress: ProgressFn) -> TriageResult:
        progress(0.0, "Computing integrated gradients" if method == "ig" else "Computing attributions")
        return service.explain(result, method=method, target_level=target_level)

    label = "Explaining in detail (integrated gradients)…" if method == "ig" else "Explaining…"
    return Operation(f"explain_{method}", work, label)


def save_case(
    service: TriageService,
    result: TriageResult,
    *,
    final_level: int,
    override_reason: str,
    clinician: str,
    redaction_spans: Sequence[RedactionSpan],
) -> Operation:
    """Store the case (redacted) with the clinician's decision; audited by the service."""

    def work(progress: ProgressFn) -> CaseRecord:
        return service.save_case(
            result,
            final_level=final_level,
            override_reason=override_reason,
            clinician=clinician,
            redaction_spans=tuple(redaction_spans),
        )

    return Operation("save_case", work, "Saving the case…")


def export_pdf(
    service: TriageService,
    record: CaseRecord,
    out: Path,
    *,
    include_identifiers: bool = False,
    original_text: str | None = None,
) -> Operation:
    """Render the case summary PDF (redacted unless identifiers are asked for; audited)."""

    def work(progress: ProgressFn) -> Path:
        return service.export_pdf(
            record, out, include_identifiers=include_identifiers, original_text=original_text if include_identifiers else None
        )

    return Operation("export_pdf", work, "Exporting the PDF…")


def search_history(service: TriageService, filters: HistoryFilter) -> Operation:
    """List saved cases matching the filters, newest first."""

    def work(progress: ProgressFn) -> list[CaseSummary]:
        return service.list_cases(since=filters.since, until=filters.until, level=filters.level, text=filters.text)

    return Operation("search_history", work, "Searching cases…")


def open_case(service: TriageService, case_id: str) -> Operation:
    """Load one saved case (audited as viewed)."""
    return Operation("open_case", lambda progress: service.get_case(case_id), "Opening the case…")


def save_settings(paths: AppPaths, settings: Settings, *, previous: Settings | None = None, audit: Any = None) -> Operation:
    """Persist the user's settings (schema-versioned JSON, atomic write); audit which keys changed."""

    def work(progress: ProgressFn) -> Settings:
        save_user_settings(paths.settings_path, settings)
        if audit is not None and previous is not None:
            old, new = previous.to_dict(), settings.to_dict()
            changed = sorted(k for k in new if new[k] != old.get(k))
            if changed:
                audit.append("settings_changed", clinician=settings.clinician_name, detail=",".join(changed))
        return settings

    return Operation("save_settings", work, "Saving settings…")


@dataclass(frozen=True)
class ModelSwitch:
    settings: Settings
    name: str
    version: str
    sha256: str


def switch_model(service: Any, paths: AppPaths, settings: Settings, folder: Path, clinician: str) -> Operation:
    """Validate another bundle (hashes, labels) before it is used; persist and audit the switch."""

    def work(progress: ProgressFn) -> ModelSwitch:
        from triage_app.ml.bundle import load_bundle

        bundle = load_bundle(Path(folder))
        manifest = getattr(bundle, "manifest", {}) or {}
        name = str(manifest.get("name", Path(folder).name)) if isinstance(manifest, dict) else Path(folder).name
        version = str(manifest.get("version", "")) if isinstance(manifest, dict) else ""
        sha = str(manifest.get("sha256", "")) if isinstance(manifest, dict) else ""
        new_settings = replace(settings, model_dir=str(Path(folder).resolve()))
        save_user_settings(paths.settings_path, new_settings)
        audit = getattr(service, "audit", None)
        if audit is not None and callable(getattr(audit, "append", None)):
            audit.append("model_changed", clinician=clinician, detail=f"{name} {version} {sha[:12]}".strip())
        return ModelSwitch(new_settings, name, version, sha)

    return Operation("switch_model", work, "Checking the model bundle…")


__all__ = [
    "Classification",
    "HistoryFilter",
    "OpenedStore",
    "ModelSwitch",
    "Operation",
    "classify_case",
    "default_service_factory",
    "default_store_opener",
    "explain_case",
    "export_pdf",
    "load_service",
    "open_case",
    "redact_preview",
    "save_case",
    "save_settings",
    "search_history",
    "switch_model",
    "open_store",
]
