"""A bundle used as the base for further fine-tuning is named with its lineage in the new bundle."""

from __future__ import annotations

import json
from pathlib import Path

from triage_app.training.pipeline import _base_name


def test_plain_base_folder_is_named_by_its_folder(tmp_path: Path) -> None:
    base = tmp_path / "clinical-bert"
    base.mkdir()
    assert _base_name(base) == "clinical-bert"


def test_bundle_base_names_the_encoder_and_the_parent_bundle(tmp_path: Path) -> None:
    base = tmp_path / "default"
    base.mkdir()
    (base / "manifest.json").write_text(json.dumps({
        "name": "default", "version": "1.1.0", "sha256": "019b59a7203cd6a9e1b2",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2"}), encoding="utf-8")
    assert _base_name(base) == ("sentence-transformers/all-MiniLM-L6-v2, continued from bundle default 1.1.0 "
                                "(019b59a7203c)")


def test_unreadable_manifest_falls_back_to_the_folder_name(tmp_path: Path) -> None:
    base = tmp_path / "odd"
    base.mkdir()
    (base / "manifest.json").write_text("{not json", encoding="utf-8")
    assert _base_name(base) == "odd"
