"""Fixtures for ml tests: one tiny random bundle per session (built in a few seconds)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.ml.model_fixtures import build_tiny_bundle


@pytest.fixture(scope="session")
def tiny_bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A read-only-by-convention tiny bundle with fp32 and int8 ONNX. Copy it before editing."""
    return build_tiny_bundle(tmp_path_factory.mktemp("tiny_bundle") / "tiny")


@pytest.fixture
def tiny_bundle_copy(tiny_bundle_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny bundle that a test may corrupt."""
    dest = tmp_path / "bundle"
    shutil.copytree(tiny_bundle_dir, dest)
    return dest
