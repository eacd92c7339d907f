"""One case end to end, with no Qt: intake → redact → classify → rules → result.

:class:`TriageService` is the one API the GUI and the CLI call. It is handed its collaborators
(classifier, redactor, rules, explainers, store, audit, PDF renderer) so tests pass fakes;
:meth:`TriageService.from_settings` is the composition used by the app. A model that fails to
load never stops the app: the error is kept in :attr:`TriageService.model_error` and every
other function (history, PDF, redaction) keeps working.

Uncertainty: a result is flagged when the top probability is below the bundle's calibrated
``uncertainty.min_top_probability`` (default :data:`DEFAULT_MIN_TOP_PROBABILITY` when the
manifest lacks it), when at least :data:`SPLIT_MIN_PROBABILITY` of the mass sits on a level
that is not adjacent to the top level, or when the text checks say so (non-English text).
"""

from __future__ import annotations

import importlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage_app.core.acuity import NUM_LEVELS, acuity_level, most_urgent
from triage_app.core.errors import DependencyError, InputError, ModelError, StoreError, TriageError
from triage_app.core.intake import Intake
from triage_app.core.paths import AppPaths, default_models_dir
from triage_app.core.protocols import (
    AuditSink,
    CaseRepository,
    CaseSummary,
    Classifier,
    Explainer,
    RedactedText,
    Redactor,
    RuleEngine,
)
from triage_app.core.results import CaseRecord, ModelInfo, RedactionSpan, TriageResult
from triage_app.core.rules import default_rules
from triage_app.core.settings import Settings
from triage_app.core.text_checks import check_text, clean_text

log = logging.getLogger(__name__)

DEFAULT_MIN_TOP_PROBABILITY = 0.5
SPLIT_MIN_PROBABILITY = 0.2
NO_REDACTOR_WARNING = "redaction module unavailable: the text was NOT redacted"


class PassThroughRedactor:
    """Used only when the privacy module is absent; the service then warns on every result."""

    def redact(self, text: str) -> RedactedText:
        return RedactedText(text=text, spans=())


def open_case_store(
    paths: AppPaths, passphrase_provider: Callable[[bool], str | None] | None = None
) -> tuple[CaseRepository, AuditSink]:
    """Obtain the data key (keyring or passphrase), then open the encrypted store and the audit log."""
    keys = _required_module("triage_app.privacy.keys", "the encrypted case store")
    store = _required_module("triage_app.privacy.store", "the encrypted case store")
    audit_mod = _required_module("triage_app.privacy.audit", "the audit log")
    key = keys.obtain_data_key(paths, passphrase_provider=passphrase_provider)
    return store.CaseStore.open(paths.store_path, key), audit_mod.AuditLog(paths.audit_path)


def _optional_module(name: str) -> Any | None:
    """Import ``name``; None only if that module itself is absent (a broken dependency raises)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return None
        raise


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 2)


class TriageService:
    """Triage one case at a time; save, list, view and export cases."""

    def __init__(
        self,
        *,
        settings: Settings,
        classifier: Classifier | None,
        redactor: Redactor,
        rules: RuleEngine,
        fast_explainer: Explainer | None = None,
        detailed_explainer_factory: Callable[[], Explainer] | None = None,
        repository: CaseRepository | None = None,
        audit: AuditSink | None = None,
        model_error: TriageError | None = None,
        pdf_renderer: Callable[..., Path] | None = None,
    ) -> None:
        self.settings = settings
        self.classifier = classifier
        self.redactor = redactor
        self.rules = rules
        self.fast_explainer = fast_explainer
        self._detailed_factory = detailed_explainer_factory
        self._detailed: Explainer | None = None
        self.repository = repository
        self.audit = audit
        self.model_error = model_error if classifier is None else None
        if classifier is None and self.model_error is None:
            self.model_error = ModelError("No model is loaded.", "Choose a model bundle in Settings.")
        self.pdf_renderer = pdf_renderer
        self.redaction_available = not isinstance(redactor, PassThroughRedactor)

    # --- composition -------------------------------------------------------------------------

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        paths: AppPaths,
        *,
        open_store: bool = False,
        passphrase_provider: Callable[[bool], str | None] | None = None,
    ) -> TriageService:
        """Build the service the app uses: model, redactor, rules, explainers, store and audit.

        A model that cannot load is kept in ``model_error`` (never raised). Store errors are
        raised only when ``open_store`` is True.
        """
        model_dir = Path(settings.model_dir) if settings.model_dir else default_models_dir() / "default"
        classifier: Any = None
        model_error: TriageError | None = None
        start = time.perf_counter()
        try:
            from triage_app.ml.runtime import load_classifier

            classifier = load_classifier(model_dir, settings.device)
            log.info("model loaded in %.0f ms", _ms(start))
        except TriageError as exc:
            model_error = exc
            log.warning("model not loaded: %s", type(exc).__name__)

        fast: Explainer | None = None
        detailed: Callable[[], Explainer] | None = None
        if classifier is not None:
            fast_mod = _optional_module("triage_app.ml.explain_fast")
            if fast_mod is not None:
                try:
                    fast = fast_mod.FastExplainer.from_classifier(classifier)
                except TriageError as exc:
                    log.warning("fast explainer unavailable: %s", type(exc).__name__)
            bundle_dir = classifier.bundle.path
            device = settings.device

            def detailed_factory() -> Explainer:
                ig = _optional_module("triage_app.ml.explain_ig")
                if ig is None:
                    raise DependencyError("Detailed explanations are not available in this build.", "Use the fast explanation.")
                return ig.IntegratedGradientsExplainer.from_bundle(bundle_dir, device=device)

            detailed = detailed_factory

        redactor_mod = _optional_module("triage_app.privacy.redactor")
        if redactor_mod is not None:
            redactor: Redactor = redactor_mod.default_redactor()
        else:
            log.warning("privacy.redactor missing: using pass-through redaction")
            redactor = PassThroughRedactor()

        repository: CaseRepository | None = None
        audit: AuditSink | None = None
        if open_store:
            repository, audit = open_case_store(paths, passphrase_provider)

        def pdf_renderer(record: CaseRecord, out: Path, **kwargs: Any) -> Path:
            pdf = _required_module("triage_app.reporting.pdf", "PDF export")
            return pdf.render_case_pdf(record, out, **kwargs)

        return cls(
            settings=settings,
            classifier=classifier,
            redactor=redactor,
            rules=default_rules(),
            fast_explainer=fast,
            detailed_explainer_factory=detailed,
            repository=repository,
            audit=audit,
            model_error=model_error,
            pdf_renderer=pdf_renderer,
        )

    # --- status ------------------------------------------------------------------------------

    @property
    def model_ready(self) -> bool:
        return self.classifier is not None

    @property
    def model_info(self) -> ModelInfo | None:
        return None if self.classifier is None else self.classifier.info

    @property
    def device_status(self) -> str:
        if self.classifier is None:
            return f"No model loaded: {self.model_error.message if self.model_error else 'unknown error'}"
        return self.classifier.device_status

    def _require_model(self) -> Classifier:
        if self.classifier is None:
            raise self.model_error or ModelError("No model is loaded.")
        return self.classifier

    # --- one case ----------------------------------------------------------------------------

    def redact(self, text: str) -> RedactedText:
        """Clean and redact ``text`` for the clinician's review. Span offsets index the cleaned
        text, which equals the input whenever it had no control characters or stray spaces."""
        checked = check_text(text)
        return self.redactor.redact(checked.text)

    def triage(self, intake: Intake, *, redacted: RedactedText | None = None, explain: bool = True) -> TriageResult:
        """Run one case end to end.

        Args:
            intake: The case as typed (raw text).
            redacted: The clinician-approved redaction; when None the text is auto-redacted.
            explain: Add fast word attributions when a fast explainer is available.

        Returns:
            A :class:`TriageResult` whose ``intake.text`` is the redacted text.

        Raises:
            InputError: Unusable text (see :mod:`triage_app.core.text_checks`).
            ModelError: No model is loaded.
        """
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        classifier = self._require_model()
        checked = check_text(intake.text)
        timings["checks"] = _ms(t0)

        t = time.perf_counter()
        if redacted is None:
            redacted = self.redactor.redact(checked.text)
        text = clean_text(redacted.text)
        if not text:
            raise InputError("text", "Nothing is left of the complaint after redaction.", "Review the redactions.")
        red_intake = intake.with_text(text)
        timings["redact"] = _ms(t)

        t = time.perf_counter()
        probabilities, model_level, windows = self._classify(classifier, text)
        timings["classify"] = _ms(t)

        t = time.perf_counter()
        escalations = tuple(self.rules.evaluate(red_intake))
        timings["rules"] = _ms(t)
        final = most_urgent(model_level, *(e.min_level for e in escalations))

        rule_level = min((e.min_level for e in escalations), default=None)
        reasons = list(self._uncertainty(classifier, probabilities, model_level, rule_level)) + list(checked.uncertainty_reasons)
        warnings = list(checked.warnings)
        if not self.redaction_available:
            warnings.append(NO_REDACTOR_WARNING)
        if windows > 1:
            warnings.append(f"long text: read in {windows} overlapping parts; the most urgent part decided")
        result = TriageResult(
            intake=red_intake,
            probabilities=tuple(float(p) for p in probabilities),
            model_level=model_level,
            escalations=escalations,
            final_level=final,
            uncertain=bool(reasons),
            uncertainty_reasons=tuple(reasons),
            model=classifier.info,
            device=classifier.device_status,
            timings_ms=timings,
            warnings=tuple(warnings),
        )
        if explain and self.fast_explainer is not None:
            t = time.perf_counter()
            try:
                result = self.explain(result, "fast")
            except TriageError as exc:
                log.warning("fast explanation failed: %s", type(exc).__name__)
                result = _with_warning(result, f"explanation unavailable: {exc.message}")
            timings["explain"] = _ms(t)
        timings["total"] = _ms(t0)
        log.info("triage done: model_level=%d final=%d escalations=%d ms=%.0f", model_level, final, len(escalations), timings["total"])
        return result

    @staticmethod
    def _classify(classifier: Classifier, text: str) -> tuple[list[float], int, int]:
        predict = getattr(classifier, "predict", None)
        if callable(predict):
            pred = predict([text])[0]
            return list(pred.probabilities), int(pred.level), int(getattr(pred, "windows", 1))
        probs = list(classifier.predict_proba([text])[0])
        return probs, max(range(len(probs)), key=probs.__getitem__) + 1, 1

    @staticmethod
    def _uncertainty(
        classifier: Classifier, probabilities: Sequence[float], model_level: int | None = None, rule_level: int | None = None
    ) -> list[str]:
        """Why the clinician should look twice: low confidence, a split over non-adjacent levels, or a
        suggestion more urgent than the level the model finds most likely (the decision rule errs
        towards urgency; the clinician should know when it did). That last one is left out when a
        safety rule requires the model's level or a more urgent one anyway (``rule_level``): the
        caution is then confirmed, not a guess ("seizure lasting 10 minutes, still fitting" showed
        UNCERTAIN next to the rule that makes it level 1)."""
        bundle = getattr(classifier, "bundle", None)
        threshold = getattr(bundle, "min_top_probability", None) or DEFAULT_MIN_TOP_PROBABILITY
        order = sorted(range(len(probabilities)), key=lambda i: probabilities[i], reverse=True)
        top = order[0]
        reasons = []
        if probabilities[top] < threshold:
            shown = f"{probabilities[top]:.2f}"
            if shown == f"{threshold:.2f}":  # never "0.67 is below 0.67"
                shown = f"{probabilities[top]:.3f}"
            reasons.append(f"the model is not confident: top probability {shown} is below {threshold:.2f}")
        far = [i for i in order[1:] if abs(i - top) >= 2 and probabilities[i] >= SPLIT_MIN_PROBABILITY]
        if far:
            i = far[0]
            reasons.append(
                f"the model is split between level {top + 1} ({probabilities[top]:.2f}) and "
                f"non-adjacent level {i + 1} ({probabilities[i]:.2f})"
            )
        confirmed_by_rule = rule_level is not None and model_level is not None and rule_level <= model_level
        if model_level is not None and model_level < top + 1 and not confirmed_by_rule:
            reasons.append(
                f"cautious suggestion: level {model_level} is more urgent than the most likely level {top + 1} "
                f"({probabilities[top]:.2f}), because level {model_level} or more urgent has probability "
                f"{sum(probabilities[:model_level]):.2f}"
            )
        return reasons

    def explain(self, result: TriageResult, method: str = "fast", target_level: int | None = None) -> TriageResult:
        """Word attributions for ``result`` (towards ``target_level``, default the model level)."""
        target = result.model_level if target_level is None else target_level
        acuity_level(target)
        if method == "fast":
            if self.fast_explainer is None:
                raise DependencyError("Fast explanations are not available (no explainer for this model).")
            explainer = self.fast_explainer
        elif method == "ig":
            explainer = self._detailed_explainer()
        else:
            raise InputError("method", f"Unknown explanation method {method!r}.", "Use 'fast' or 'ig'.")
        attributions = explainer.explain(result.redacted_text, target)
        delta = getattr(explainer, "last_delta", None) if method == "ig" else None
        return result.with_attributions(attributions, method, target, delta)

    def _detailed_explainer(self) -> Explainer:
        if self._detailed is None:
            if self._detailed_factory is None:
                raise DependencyError("Detailed explanations are not available (no model or no torch weights).")
            self._detailed = self._detailed_factory()
        return self._detailed

    # --- store, audit, PDF -------------------------------------------------------------------

    def _require_store(self) -> CaseRepository:
        if self.repository is None:
            raise StoreError("The case store is not open.", "Unlock the store (enter the passphrase) and try again.")
        return self.repository

    def _audit(self, action: str, *, case_id: str | None = None, clinician: str = "", detail: str = "") -> None:
        if self.audit is not None:
            self.audit.append(action, case_id=case_id, clinician=clinician, detail=detail)

    def save_case(
        self,
        result: TriageResult,
        *,
        final_level: int,
        override_reason: str = "",
        clinician: str = "",
        redaction_spans: Sequence[RedactionSpan] = (),
    ) -> CaseRecord:
        """Save the case with the clinician's decision; an override needs a reason."""
        store = self._require_store()
        if not isinstance(final_level, int) or isinstance(final_level, bool) or not 1 <= final_level <= NUM_LEVELS:
            raise InputError("final_level", f"The final level must be 1–{NUM_LEVELS}; got {final_level!r}.")
        reason = (override_reason or "").strip()
        overridden = final_level != result.final_level
        if overridden and not reason:
            raise InputError(
                "override_reason",
                f"You chose level {final_level}, but the suggestion is level {result.final_level}.",
                "Give a reason for the override.",
            )
        if overridden:
            # Clinicians type free text here too ("discussed with Dr Patel"): it is stored and
            # printed, so it goes through the same redaction as the complaint.
            reason = self.redact(reason).text
        clinician = clinician or self.settings.clinician_name
        record = CaseRecord(
            case_id=uuid.uuid4().hex,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            result=result,
            final_level=final_level,
            clinician=clinician,
            override_reason=reason if overridden else "",
            redaction_spans=tuple(redaction_spans),
        )
        store.save(record)
        self._audit("saved", case_id=record.case_id, clinician=clinician, detail=f"level {final_level}")
        if overridden:
            self._audit(
                "overridden",
                case_id=record.case_id,
                clinician=clinician,
                detail=f"suggested {result.final_level}, final {final_level}",
            )
        log.info("case saved: overridden=%s", overridden)
        return record

    def list_cases(
        self, *, since: str | None = None, until: str | None = None, level: int | None = None, text: str | None = None
    ) -> list[CaseSummary]:
        return self._require_store().search(since=since, until=until, level=level, text=text)

    def get_case(self, case_id: str) -> CaseRecord:
        record = self._require_store().get(case_id)
        self._audit("viewed", case_id=case_id, clinician=self.settings.clinician_name)
        return record

    def export_pdf(
        self,
        record: CaseRecord,
        out: Path,
        *,
        include_identifiers: bool = False,
        original_text: str | None = None,
        password: str | None = None,
    ) -> Path:
        """Write the case PDF. Identifiers appear only when asked for, and that is audited."""
        if self.pdf_renderer is None:
            raise DependencyError("PDF export is not available in this build.")
        if include_identifiers and not original_text:
            raise InputError("original_text", "A PDF with identifiers needs the original text.", "Re-enter or paste the original text.")
        path = self.pdf_renderer(
            record,
            Path(out),
            settings=self.settings,
            include_identifiers=include_identifiers,
            original_text=original_text if include_identifiers else None,
            password=password,
        )
        self._audit(
            "exported_with_identifiers" if include_identifiers else "exported",
            case_id=record.case_id,
            clinician=self.settings.clinician_name,
            detail="pdf",
        )
        return path

    def close(self) -> None:
        """Close the store (if open)."""
        if self.repository is not None:
            self.repository.close()
            self.repository = None


def _with_warning(result: TriageResult, warning: str) -> TriageResult:
    from dataclasses import replace

    return replace(result, warnings=(*result.warnings, warning))


def _required_module(name: str, feature: str) -> Any:
    module = _optional_module(name)
    if module is None:
        raise DependencyError(f"{feature.capitalize()} is not available: module {name} is missing.", "Reinstall the app.")
    return module


__all__ = [
    "DEFAULT_MIN_TOP_PROBABILITY",
    "NO_REDACTOR_WARNING",
    "open_case_store",
    "SPLIT_MIN_PROBABILITY",
    "PassThroughRedactor",
    "TriageService",
]
