"""Generated, labelled training corpus (ESI/CTAS criteria behind every label)."""

from __future__ import annotations

from triage_app.training.corpus.criteria import LevelDecision, derive_level
from triage_app.training.corpus.generator import DEFAULT_SIZE, CorpusConfig, generate, split_for, write_jsonl

__all__ = ["DEFAULT_SIZE", "CorpusConfig", "LevelDecision", "derive_level", "generate", "split_for", "write_jsonl"]
