"""Bundle loading: every failure names the file and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.ml.model_fixtures import write_manifest
from triage_app.core.acuity import LEVEL_LABELS
from triage_app.core.errors import ModelError
from triage_app.ml.bundle import load_bundle
from triage_app.ml.bundle_format import MANIFEST_NAME, bundle_digest, compute_file_hashes


def test_valid_bundle_loads_and_exposes_manifest(tiny_bundle_dir: Path) -> None:
    bundle = load_bundle(tiny_bundle_dir)
    assert bundle.labels == LEVEL_LABELS
    assert bundle.sha256 == bundle_digest(compute_file_hashes(tiny_bundle_dir))
    assert bundle.onnx_path().name == "model.int8.onnx"
    assert bundle.onnx_path("fp32").name == "model.onnx"
    assert bundle.info.name == "tiny-test"
    assert bundle.temperature == pytest.approx(1.5)
    assert bundle.min_top_probability == pytest.approx(0.5)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as info:
        load_bundle(tmp_path / "nowhere")
    assert "nowhere" in str(info.value) and info.value.fix


def test_missing_manifest(tiny_bundle_copy: Path) -> None:
    (tiny_bundle_copy / MANIFEST_NAME).unlink()
    with pytest.raises(ModelError, match=MANIFEST_NAME):
        load_bundle(tiny_bundle_copy)


def test_corrupt_manifest_json(tiny_bundle_copy: Path) -> None:
    (tiny_bundle_copy / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="not valid JSON") as info:
        load_bundle(tiny_bundle_copy)
    assert str(tiny_bundle_copy / MANIFEST_NAME) in str(info.value)


def test_missing_listed_file(tiny_bundle_copy: Path) -> None:
    (tiny_bundle_copy / "vocab.txt").unlink()
    with pytest.raises(ModelError, match="vocab.txt.*missing"):
        load_bundle(tiny_bundle_copy)


def test_hash_mismatch_names_the_file(tiny_bundle_copy: Path) -> None:
    onnx = tiny_bundle_copy / "model.int8.onnx"
    data = bytearray(onnx.read_bytes())
    data[-10] ^= 0xFF
    onnx.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="model.int8.onnx.*sha256") as info:
        load_bundle(tiny_bundle_copy)
    assert info.value.fix


@pytest.mark.parametrize("labels", [["5", "4", "3", "2", "1"], ["1", "2", "3"], ["low", "mid", "high", "x", "y"], "12345"])
def test_wrong_labels(tiny_bundle_copy: Path, labels: object) -> None:
    write_manifest(tiny_bundle_copy, labels=labels)
    with pytest.raises(ModelError, match="labels"):
        load_bundle(tiny_bundle_copy)


@pytest.mark.parametrize("name", ["pytorch_model.bin", "model.pt", "weights.pkl", "x.ckpt"])
def test_pickle_files_are_refused(tiny_bundle_copy: Path, name: str) -> None:
    (tiny_bundle_copy / name).write_bytes(b"\x80\x04not really a pickle")
    write_manifest(tiny_bundle_copy)  # even when listed with a correct hash
    with pytest.raises(ModelError, match="pickle") as info:
        load_bundle(tiny_bundle_copy)
    assert name in str(info.value)


def test_unlisted_onnx_is_refused(tiny_bundle_copy: Path) -> None:
    (tiny_bundle_copy / "extra.onnx").write_bytes(b"junk")
    with pytest.raises(ModelError, match="extra.onnx.*not listed"):
        load_bundle(tiny_bundle_copy)


def test_edited_manifest_digest(tiny_bundle_copy: Path) -> None:
    path = tiny_bundle_copy / MANIFEST_NAME
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["sha256"] = "0" * 64
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match="digest"):
        load_bundle(tiny_bundle_copy)


def test_wrong_format_version(tiny_bundle_copy: Path) -> None:
    write_manifest(tiny_bundle_copy, format_version=99)
    with pytest.raises(ModelError, match="format_version"):
        load_bundle(tiny_bundle_copy)


def test_unknown_decision_rule(tiny_bundle_copy: Path) -> None:
    write_manifest(tiny_bundle_copy, decision={"rule": "coin_flip"})
    with pytest.raises(ModelError, match="decision rule"):
        load_bundle(tiny_bundle_copy)


def test_unreadable_onnx_is_a_model_error(tiny_bundle_copy: Path) -> None:
    from triage_app.ml.runtime import load_classifier

    (tiny_bundle_copy / "model.int8.onnx").write_bytes(b"this is not an onnx graph")
    write_manifest(tiny_bundle_copy)  # hashes now match the junk
    with pytest.raises(ModelError, match="model.int8.onnx.*cannot be loaded") as info:
        load_classifier(tiny_bundle_copy, "cpu")
    assert "re-export" in (info.value.fix or "")
