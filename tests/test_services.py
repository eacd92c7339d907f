"""TriageService end to end with fakes (no model), plus one run on the tiny real bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakes import (
    FakeClassifier,
    FakeExplainer,
    FakeRuleEngine,
    IdentityRedactor,
    InMemoryCaseRepository,
    MemoryAudit,
    RegexRedactor,
    fake_pdf_renderer,
)
from triage_app.core.errors import DependencyError, InputError, ModelError, StoreError
from triage_app.core.intake import Intake, Vitals
from triage_app.core.paths import resolve_paths
from triage_app.core.protocols import RedactedText
from triage_app.core.results import Escalation
from triage_app.core.rules import default_rules
from triage_app.core.settings import Settings
from triage_app.services import NO_REDACTOR_WARNING, PassThroughRedactor, TriageService


def make_service(**overrides: Any) -> TriageService:
    kwargs: dict[str, Any] = {
        "settings": Settings(clinician_name="Nurse Test"),
        "classifier": FakeClassifier(),
        "redactor": RegexRedactor(),
        "rules": default_rules(),
        "fast_explainer": FakeExplainer(),
        "repository": InMemoryCaseRepository(),
        "audit": MemoryAudit(),
        "pdf_renderer": fake_pdf_renderer,
    }
    kwargs.update(overrides)
    return TriageService(**kwargs)


def test_triage_redacts_before_the_model_and_returns_redacted_intake() -> None:
    clf = FakeClassifier(probabilities=(0.02, 0.03, 0.85, 0.05, 0.05))
    service = make_service(classifier=clf)
    result = service.triage(Intake("Mr Smith has abdominal pain, MRN 1234567890", age_years=40))
    assert clf.calls == [["[NAME_1] has abdominal pain, MRN [ID_1]"]]
    assert result.redacted_text == "[NAME_1] has abdominal pain, MRN [ID_1]"
    assert "Smith" not in repr(result.to_dict())
    assert result.model_level == 3 and result.final_level == 3
    assert result.uncertain is False and result.uncertainty_reasons == ()
    assert result.model.name == "fake-model" and result.device == "CPU (fake classifier)"
    assert {"checks", "redact", "classify", "rules", "explain", "total"} <= set(result.timings_ms)
    assert result.attributions and result.attribution_method == "fast" and result.attribution_target == 3


def test_approved_redaction_is_used_as_given() -> None:
    clf = FakeClassifier()
    service = make_service(classifier=clf)
    approved = RedactedText("[NAME_1] has a cough", ())
    result = service.triage(Intake("Mr Jones has a cough"), redacted=approved, explain=False)
    assert clf.calls == [["[NAME_1] has a cough"]]
    assert result.redacted_text == "[NAME_1] has a cough"
    assert result.attributions == ()


@pytest.mark.parametrize(
    ("probs", "escalations", "final"),
    [
        ((0.02, 0.03, 0.05, 0.1, 0.8), [Escalation("r.a", "a", 2)], 2),
        ((0.02, 0.03, 0.05, 0.1, 0.8), [Escalation("r.a", "a", 3), Escalation("r.b", "b", 1)], 1),
        ((0.9, 0.03, 0.03, 0.02, 0.02), [Escalation("r.a", "a", 4)], 1),  # rules never de-escalate
        ((0.02, 0.03, 0.05, 0.8, 0.1), [], 4),
    ],
)
def test_final_level_is_most_urgent_of_model_and_rules(probs: tuple[float, ...], escalations: list[Escalation], final: int) -> None:
    service = make_service(classifier=FakeClassifier(probs), rules=FakeRuleEngine(escalations))
    result = service.triage(Intake("some complaint"), explain=False)
    assert result.final_level == final
    assert result.escalations == tuple(escalations)


@pytest.mark.parametrize(
    ("probs", "uncertain", "reason_part"),
    [
        ((0.05, 0.1, 0.7, 0.1, 0.05), False, None),
        ((0.1, 0.2, 0.35, 0.25, 0.1), True, "not confident"),
        ((0.02, 0.5, 0.02, 0.44, 0.02), True, "non-adjacent level 4"),
        ((0.02, 0.52, 0.44, 0.01, 0.01), False, None),  # split between adjacent levels is fine
    ],
)
def test_uncertainty_flag(probs: tuple[float, ...], uncertain: bool, reason_part: str | None) -> None:
    result = make_service(classifier=FakeClassifier(probs)).triage(Intake("complaint"), explain=False)
    assert result.uncertain is uncertain
    if reason_part:
        assert any(reason_part in r for r in result.uncertainty_reasons)


def test_real_rules_escalate_over_a_calm_model() -> None:
    service = make_service(classifier=FakeClassifier((0.01, 0.01, 0.03, 0.15, 0.8)))
    result = service.triage(Intake("crushing chest pain radiating to jaw", age_years=58, vitals=Vitals(hr=118)), explain=False)
    assert result.model_level == 5 and result.final_level == 2 and result.escalated
    assert {"flag.chest_pain_acs_features", "vitals.hr_high"} <= {e.rule for e in result.escalations}


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "123 456"])
def test_bad_text_is_an_input_error_before_the_model(text: str) -> None:
    clf = FakeClassifier()
    with pytest.raises(InputError):
        make_service(classifier=clf).triage(Intake(text))
    assert clf.calls == []


def test_100k_characters_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="100,000 characters"):
        make_service().redact("a" * 100_000)
    with pytest.raises(InputError, match="100,000"):
        Intake("a" * 100_000)


def test_non_english_is_uncertain_with_reason() -> None:
    result = make_service(classifier=FakeClassifier((0.01, 0.01, 0.95, 0.02, 0.01))).triage(
        Intake("dolor de pecho desde hace dos horas"), explain=False
    )
    assert result.uncertain
    assert "text looks non-English: out of scope" in result.uncertainty_reasons
    assert "text looks non-English: out of scope" in result.warnings


def test_emoji_and_control_characters_are_handled() -> None:
    clf = FakeClassifier()
    result = make_service(classifier=clf, redactor=IdentityRedactor()).triage(Intake("cough 🤧\x00 since Monday"), explain=False)
    assert clf.calls == [["cough 🤧 since Monday"]]
    assert result.redacted_text == "cough 🤧 since Monday"


def test_pass_through_redactor_is_never_silent() -> None:
    result = make_service(redactor=PassThroughRedactor()).triage(Intake("cough"), explain=False)
    assert NO_REDACTOR_WARNING in result.warnings


def test_no_model_service_is_degraded_not_broken() -> None:
    error = ModelError("The model folder /x does not exist.", "Restore it.")
    service = make_service(classifier=None, model_error=error)
    assert not service.model_ready and service.model_info is None
    assert "No model loaded" in service.device_status
    with pytest.raises(ModelError, match="/x"):
        service.triage(Intake("cough"))
    assert service.redact("Mr Smith coughs").text == "[NAME_1] coughs"  # redaction still works


def test_explain_methods() -> None:
    class FakeIG(FakeExplainer):
        last_delta = 0.0123

    service = make_service(detailed_explainer_factory=FakeIG)
    result = service.triage(Intake("chest pain at rest"), explain=False)
    fast = service.explain(result, "fast", target_level=2)
    assert fast.attribution_method == "fast" and fast.attribution_target == 2 and fast.attribution_delta is None
    assert [a.word for a in fast.attributions] == ["chest", "pain", "at", "rest"]
    ig = service.explain(result, "ig")
    assert ig.attribution_method == "ig" and ig.attribution_delta == pytest.approx(0.0123)
    assert ig.attribution_target == result.model_level
    with pytest.raises(InputError):
        service.explain(result, "shap")
    with pytest.raises(DependencyError):
        make_service(fast_explainer=None).explain(result, "fast")


def test_explainer_failure_is_a_warning_not_a_crash() -> None:
    class Broken:
        def explain(self, text: str, target_level: int) -> list[Any]:
            raise DependencyError("captum missing")

    result = make_service(fast_explainer=Broken()).triage(Intake("cough"))
    assert result.attributions == ()
    assert any("explanation unavailable" in w for w in result.warnings)


def test_save_case_and_override_audit() -> None:
    audit = MemoryAudit()
    repo = InMemoryCaseRepository()
    service = make_service(audit=audit, repository=repo)
    result = service.triage(Intake("cough for 3 days"), explain=False)
    record = service.save_case(result, final_level=result.final_level)
    assert repo.records[record.case_id].result == result
    assert record.clinician == "Nurse Test" and not record.overridden
    assert audit.actions == ["saved"]

    with pytest.raises(InputError, match="reason"):
        service.save_case(result, final_level=2, override_reason="  ")
    over = service.save_case(result, final_level=2, override_reason="looks grey and sweaty", clinician="Dr B")
    assert over.overridden and over.override_reason == "looks grey and sweaty" and over.clinician == "Dr B"
    assert audit.actions == ["saved", "saved", "overridden"]
    assert audit.entries[-1][1] == over.case_id
    with pytest.raises(InputError):
        service.save_case(result, final_level=7, override_reason="x")

    assert {s.case_id for s in service.list_cases()} == {record.case_id, over.case_id}
    assert service.get_case(over.case_id).final_level == 2
    assert audit.actions[-1] == "viewed"


def test_store_methods_without_store_are_store_errors() -> None:
    service = make_service(repository=None)
    result = service.triage(Intake("cough"), explain=False)
    with pytest.raises(StoreError):
        service.save_case(result, final_level=result.final_level)
    with pytest.raises(StoreError):
        service.list_cases()


def test_export_pdf_audits_and_guards_identifiers(tmp_path: Path) -> None:
    audit = MemoryAudit()
    service = make_service(audit=audit)
    result = service.triage(Intake("cough"), explain=False)
    record = service.save_case(result, final_level=result.final_level)
    out = service.export_pdf(record, tmp_path / "case.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    assert audit.actions[-1] == "exported"
    with pytest.raises(InputError):
        service.export_pdf(record, tmp_path / "id.pdf", include_identifiers=True)
    service.export_pdf(record, tmp_path / "id.pdf", include_identifiers=True, original_text="Mr Smith coughs")
    assert audit.actions[-1] == "exported_with_identifiers"


def test_from_settings_without_model_starts_degraded(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "data").ensure()
    service = TriageService.from_settings(Settings(model_dir=str(tmp_path / "missing")), paths)
    assert not service.model_ready
    assert isinstance(service.model_error, ModelError)
    assert str(tmp_path / "missing") in str(service.model_error)


@pytest.fixture(scope="module")
def tiny_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.ml.model_fixtures import build_tiny_bundle

    return build_tiny_bundle(tmp_path_factory.mktemp("svc") / "tiny")


def test_from_settings_with_tiny_bundle_end_to_end(tiny_bundle: Path, tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "data").ensure()
    service = TriageService.from_settings(Settings(model_dir=str(tiny_bundle), device="cpu"), paths)
    assert service.model_ready, service.model_error
    assert "CPU (onnxruntime int8)" in service.device_status
    long_note = "Mild cough and runny nose, otherwise well. " * 40 + "Now unresponsive."
    result = service.triage(Intake(long_note, age_years=30), explain=False)
    assert sum(result.probabilities) == pytest.approx(1.0, abs=1e-6)
    assert result.final_level == 1  # the red flag at the very end still counts
    assert any("long text" in w for w in result.warnings)
    assert result.model.sha256 == service.model_info.sha256  # type: ignore[union-attr]


def test_from_settings_opens_the_real_store_and_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    from tests.fakes import MemoryKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        paths = resolve_paths(tmp_path / "data").ensure()
        service = TriageService.from_settings(Settings(model_dir=str(tmp_path / "missing")), paths, open_store=True)
        try:
            assert service.repository is not None and service.audit is not None
            assert service.list_cases() == []
            # Store works without a model: save a result made elsewhere, read it back, audit it.
            fake = make_service(repository=service.repository, audit=service.audit)
            result = fake.triage(Intake("cough for two days"), explain=False)
            record = fake.save_case(result, final_level=result.final_level)
            assert service.get_case(record.case_id).result == result
            assert paths.audit_path.is_file() and "cough" not in paths.audit_path.read_text(encoding="utf-8")
        finally:
            service.close()
        assert service.repository is None
    finally:
        keyring.set_keyring(previous)


def test_a_suggestion_more_urgent_than_the_most_likely_level_is_flagged_and_explained() -> None:
    from types import SimpleNamespace

    class CautiousClassifier(FakeClassifier):
        """Like the shipped rule: level 1 as soon as P(level 1) reaches 0.17."""

        def predict(self, texts: list[str]) -> list[SimpleNamespace]:
            probs = self.predict_proba(texts)
            return [SimpleNamespace(probabilities=p, level=1 if p[0] >= 0.17 else 2, windows=1) for p in probs]

    result = make_service(classifier=CautiousClassifier((0.22, 0.77, 0.01, 0.0, 0.0))).triage(Intake("complaint"), explain=False)
    assert result.model_level == 1 and result.uncertain is True
    [reason] = [r for r in result.uncertainty_reasons if r.startswith("cautious suggestion")]
    assert "level 1 is more urgent than the most likely level 2 (0.77)" in reason and "probability 0.22" in reason
    calm = make_service(classifier=CautiousClassifier((0.05, 0.9, 0.05, 0.0, 0.0))).triage(Intake("complaint"), explain=False)
    assert calm.model_level == 2 and calm.uncertain is False
    # A safety rule that requires level 1 anyway confirms the caution: no flag for it.
    seizure = make_service(classifier=CautiousClassifier((0.22, 0.77, 0.01, 0.0, 0.0))).triage(
        Intake("seizure lasting 10 minutes, still fitting"), explain=False
    )
    assert seizure.final_level == 1 and any(e.min_level == 1 for e in seizure.escalations)
    assert not any(r.startswith("cautious suggestion") for r in seizure.uncertainty_reasons)
    # A rule at a less urgent level than the model's does not confirm it: the flag stays.
    level2_rule = make_service(classifier=CautiousClassifier((0.22, 0.77, 0.01, 0.0, 0.0))).triage(
        Intake("testicular pain started suddenly"), explain=False
    )
    assert any(e.min_level == 2 for e in level2_rule.escalations) and level2_rule.model_level == 1
    assert any(r.startswith("cautious suggestion") for r in level2_rule.uncertainty_reasons)


def test_low_confidence_reason_never_reads_as_equal_numbers() -> None:
    from types import SimpleNamespace

    clf = FakeClassifier((0.02, 0.1, 0.6688, 0.2, 0.0112))
    clf.bundle = SimpleNamespace(min_top_probability=0.67)  # type: ignore[attr-defined]
    result = make_service(classifier=clf).triage(Intake("complaint"), explain=False)
    [reason] = [r for r in result.uncertainty_reasons if "not confident" in r]
    assert "0.669 is below 0.67" in reason
