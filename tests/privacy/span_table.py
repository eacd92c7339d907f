"""Shared helper for the recognizer span tables: ``(text, [(surface, label), ...])``."""

from __future__ import annotations

from triage_app.privacy.recognizers.base import Recognizer
from triage_app.privacy.recognizers.lexicon import default_lexicon
from triage_app.privacy.redactor import default_redactor, resolve_candidates


def recognizer_spans(cls: type[Recognizer], text: str) -> list[tuple[str, str]]:
    """What one recognizer finds, overlaps resolved, as (surface, label) in text order."""
    found = resolve_candidates(text, cls(default_lexicon()).analyze(text))
    return [(text[c.start : c.end], c.label) for c in found]


def redactor_spans(text: str) -> list[tuple[str, str]]:
    """What the default redactor removes, as (surface, label) in text order."""
    return [(text[s.start : s.end], s.label) for s in default_redactor().redact(text).spans]


__all__ = ["recognizer_spans", "redactor_spans"]
