"""evaluate: reading files, scoring with fakes, outputs, and the CLI end to end."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import requires_default_model
from tests.fakes import FakeClassifier
from triage_app.core.errors import InputError
from triage_app.core.intake import Intake
from triage_app.training import evaluate as ev
from triage_app.training.metrics import compute_metrics

# Keyword fake: "arrest" -> 1, "chest" -> 2, "fever" -> 3, anything else -> the default
# probabilities (argmax level 3).
KEYWORDS = {"arrest": 1, "chest": 2, "fever": 3, "ankle": 4}
CASES: list[dict[str, Any]] = [
    {"id": "a", "text": "cardiac arrest", "level": 1, "style": "chief-complaint"},
    {"id": "b", "text": "chest pain and sweaty", "level": 2, "style": "shorthand"},
    {"id": "c", "text": "fever and cough", "level": 3, "style": "lay"},
    {"id": "d", "text": "central chest pain radiating to jaw", "level": 1, "style": "clinical", "vitals": {"hr": 110}},  # under: 2 > 1
    {"id": "e", "text": "twisted ankle", "level": 4, "style": "lay"},
    {"id": "f", "text": "needs a repeat prescription", "level": 5, "style": "lay"},  # over: 3 < 5
    {"id": "g", "text": "fever, rigors, confused", "level": 2, "style": "shorthand", "vitals": {"spo2": 85}},  # under: 3 > 2
    {"id": "h", "text": "sprained ankle playing football", "level": 4, "style": "lay"},
]
# What the fake predicts for each case above, worked out from KEYWORDS.
FAKE_LEVELS = [1, 2, 3, 2, 4, 3, 3, 4]


def write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "cases.jsonl", CASES)


def fake() -> FakeClassifier:
    return FakeClassifier(keywords=KEYWORDS)


# --- reading ---------------------------------------------------------------------------------------


def test_read_jsonl(data_file: Path) -> None:
    data = ev.read_cases(data_file)
    assert [c.id for c in data.cases] == list("abcdefgh")
    assert data.cases[6].intake.vitals.spo2 == 85
    assert data.cases[0].group == "chief-complaint"


def test_read_csv_with_flat_vitals(tmp_path: Path) -> None:
    path = tmp_path / "clinic.csv"
    path.write_text("text,level,age,sex,hr,spo2,pregnant\nchest pain,2,61,male,110,,\nrash,5,,,,,no\n", encoding="utf-8")
    data = ev.read_cases(path)
    assert [c.level for c in data.cases] == [2, 5]
    assert data.cases[0].intake == Intake.from_dict({"text": "chest pain", "age": 61, "sex": "male", "vitals": {"hr": 110}})
    assert data.cases[1].intake.pregnant is False
    assert data.cases[0].id == "row-1"


def test_bad_rows_are_skipped_with_row_numbers_not_text(tmp_path: Path) -> None:
    rows = [
        json.dumps({"text": "ok case", "level": 3}),
        json.dumps({"text": "SECRET level bad", "level": 7}),
        "{not json",
        json.dumps({"text": "", "level": 2}),
        json.dumps({"text": "SECRET vitals bad", "level": 2, "vitals": {"hr": 900}}),
        json.dumps({"text": "fine too", "level": "4"}),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = ev.read_cases(path)
    assert [c.level for c in data.cases] == [3, 4]
    assert [s.split(":")[0] for s in data.skipped] == ["row 2", "row 3", "row 4", "row 5"]
    assert not any("SECRET" in s for s in data.skipped)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.jsonl", b"", "empty"),
        ("cols.csv", b"complaint,acuity\nx,1\n", "'text'"),
        ("latin.csv", "text,level\ncaf\xe9,2\n".encode("latin-1"), "UTF-8"),
        ("none.jsonl", b'{"text": "x", "level": 9}\n', "no valid rows"),
    ],
)
def test_bad_files_raise_input_error(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        ev.read_cases(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        ev.read_cases(tmp_path / "nope.jsonl")


# --- scoring ---------------------------------------------------------------------------------------


def test_model_metrics_equal_direct_computation(data_file: Path) -> None:
    clf = fake()
    report = ev.evaluate(clf, ev.read_cases(data_file))
    probs = clf.predict_proba([c["text"] for c in CASES])
    expected = compute_metrics([c["level"] for c in CASES], FAKE_LEVELS, probs)
    for key, value in expected.items():
        assert report.model[key] == value, key
    assert report.model["under_triage_rate"] == pytest.approx(2 / 8)  # cases d and g
    assert report.system is None
    assert [r["model"] for r in report.cases] == FAKE_LEVELS


def test_decision_rule_levels_are_used_when_present(data_file: Path) -> None:
    class RuleClassifier(FakeClassifier):
        def predict_levels(self, texts: Sequence[str]) -> list[int]:
            return [1 for _ in texts]

    report = ev.evaluate(RuleClassifier(keywords=KEYWORDS), ev.read_cases(data_file), batch_size=3)
    assert report.model["under_triage_rate"] == 0.0
    assert report.model["sensitivity_levels_1_2"] == 1.0
    assert report.model["confusion_matrix"][4][0] == 1  # the level-5 case predicted 1


def test_with_rules_uses_service_final_level(data_file: Path) -> None:
    class RuleService:
        """Escalates to level 1 whenever SpO2 < 90, like a danger-zone rule."""

        def __init__(self, classifier: Any) -> None:
            self.classifier = classifier

        def triage(self, intake: Intake, *, explain: bool = True) -> Any:
            probs = self.classifier.predict_proba([intake.text])[0]
            level = int(np.argmax(probs)) + 1
            if intake.vitals.spo2 is not None and intake.vitals.spo2 < 90:
                level = 1

            class Result:
                final_level = level

            return Result()

    report = ev.evaluate(fake(), ev.read_cases(data_file), with_rules=True, service_factory=lambda clf, s: RuleService(clf))
    system_levels = [1, 2, 3, 2, 4, 3, 1, 4]  # case g escalated 3 -> 1
    assert report.system is not None
    assert report.system["confusion_matrix"] == compute_metrics([c["level"] for c in CASES], system_levels)["confusion_matrix"]
    assert report.system["under_triage_rate"] == pytest.approx(1 / 8)
    assert report.system["ece"] is None
    assert report.model["under_triage_rate"] == pytest.approx(2 / 8)


def test_with_rules_through_the_real_service(data_file: Path) -> None:
    report = ev.evaluate(fake(), ev.read_cases(data_file), with_rules=True)
    assert report.system is not None
    system = {r["id"]: r["system"] for r in report.cases}
    # SpO2 85% is in the danger zone: the safety rules must make case g more urgent than the model's 3.
    assert system["g"] < 3
    assert all(r["system"] <= r["model"] for r in report.cases)  # rules only ever escalate
    assert report.system["under_triage_rate"] <= report.model["under_triage_rate"]


def test_error_rows_list_only_under_triage(data_file: Path) -> None:
    report = ev.evaluate(fake(), ev.read_cases(data_file))
    rows = ev.error_rows(report)
    assert [(r["id"], r["gold"], r["predicted"]) for r in rows] == [("d", 1, 2), ("g", 2, 3)]
    assert all(set(r) == {"id", "source", "gold", "predicted", "top_prob", "probabilities"} for r in rows)


def test_report_text_puts_under_triage_first(data_file: Path) -> None:
    report = ev.evaluate(fake(), ev.read_cases(data_file))
    text = ev.format_report(report, "cases.jsonl")
    body = [line for line in text.splitlines() if "%" in line]
    assert body[0].startswith("Under-triage")
    assert "25.0%" in body[0]


# --- CLI end to end --------------------------------------------------------------------------------


def _png_is_nontrivial(path: Path) -> None:
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(raw) > 5_000
    import matplotlib.image as mpimg

    pixels = mpimg.imread(path)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 200
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 20  # not a blank canvas


@pytest.mark.parametrize("with_rules", [False, True])
def test_cli_end_to_end(data_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], with_rules: bool) -> None:
    from triage_app import cli
    from triage_app.ml import runtime

    loaded: list[tuple[Path, str]] = []

    def fake_loader(model_dir: Path, device: str = "auto") -> FakeClassifier:
        loaded.append((Path(model_dir), device))
        return fake()

    monkeypatch.setattr(runtime, "load_classifier", fake_loader)
    out = tmp_path / "eval"
    argv = ["evaluate", "--model", str(tmp_path / "bundle"), "--data", str(data_file), "--out", str(out)]
    code = cli.main(argv + (["--with-rules"] if with_rules else []))
    assert code == 0
    assert loaded == [(tmp_path / "bundle", "auto")]

    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert list(metrics["model"])[0] == "under_triage_rate"
    probs = fake().predict_proba([c["text"] for c in CASES])
    direct = json.loads(json.dumps(compute_metrics([c["level"] for c in CASES], FAKE_LEVELS, probs)))
    for key, value in direct.items():
        assert metrics["model"][key] == value, key
    assert metrics["info"]["model"]["name"] == "fake-model"
    assert (metrics["system"] is not None) == with_rules

    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {(e["id"], e["source"]) for e in errors if e["source"] == "model"} == {("d", "model"), ("g", "model")}
    assert not any("chest" in json.dumps(e) for e in errors)  # ids only, never the text

    _png_is_nontrivial(out / "confusion_matrix.png")
    _png_is_nontrivial(out / "reliability.png")
    assert (out / "confusion_matrix_system.png").is_file() == with_rules

    printed = capsys.readouterr().out
    assert "Under-triage" in printed and "metrics.json" in printed
    assert ("model+rules" in printed) == with_rules


def test_cli_reports_missing_bundle(data_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from triage_app import cli

    code = cli.main(["evaluate", "--model", str(tmp_path / "no-bundle"), "--data", str(data_file), "--out", str(tmp_path / "o")])
    assert code == 1
    assert "error:" in capsys.readouterr().err


# --- the committed model on the hand-written set -----------------------------------------------------

MANIFEST_KEYS = {
    "under_triage_rate": "under_triage_rate",
    "sensitivity_levels_1_2": ("sensitivity_levels_1_2", "sensitivity_l1_2"),
    "accuracy": "accuracy",
    "kappa_quadratic": ("kappa_quadratic", "quadratic_kappa"),
}


@pytest.mark.model
@requires_default_model
def test_default_bundle_still_meets_its_recorded_test_metrics() -> None:
    from tests.conftest import DEFAULT_MODEL_DIR
    from triage_app.ml.runtime import load_classifier

    manifest = json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text(encoding="utf-8"))
    recorded = manifest.get("metrics", {}).get("test", {})
    data = ev.read_cases(ev.HANDWRITTEN_TEST_SET.with_name(recorded.get("dataset", ev.HANDWRITTEN_TEST_SET.name)))
    if int(recorded.get("n", 0)) != len(data.cases):
        pytest.skip(f"manifest test metrics are for {recorded.get('n')} cases, the set now has {len(data.cases)}")
    report = ev.evaluate(load_classifier(DEFAULT_MODEL_DIR, "cpu"), data)
    for ours, theirs in MANIFEST_KEYS.items():
        names = (theirs,) if isinstance(theirs, str) else theirs
        value = next((recorded[n] for n in names if n in recorded), None)
        if value is None:
            continue
        if ours == "under_triage_rate":
            assert report.model[ours] <= value + 0.01, ours
        else:
            assert report.model[ours] >= value - 0.01, ours


def test_cli_handwritten_means_the_newest_test_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from triage_app import cli
    from triage_app.ml import runtime
    from triage_app.training.data_io import HANDWRITTEN_TEST_SETS, existing

    monkeypatch.setattr(runtime, "load_classifier", lambda model_dir, device="auto": fake())
    out = tmp_path / "eval"
    assert cli.main(["evaluate", "--model", str(tmp_path / "b"), "--data", "handwritten", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    newest = existing(HANDWRITTEN_TEST_SETS)[0]
    assert newest.name == "handwritten_test_3.jsonl"
    assert metrics["model"]["n"] == len(ev.read_cases(newest).cases)
