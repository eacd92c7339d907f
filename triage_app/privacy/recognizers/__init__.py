"""PHI recognizers: one small class per identifier type, kept in a registry."""

from __future__ import annotations

from triage_app.privacy.recognizers.base import LABELS, PLACEHOLDER_RE, Candidate, Recognizer
from triage_app.privacy.recognizers.lexicon import Lexicon, default_lexicon
from triage_app.privacy.recognizers.registry import DEFAULT_RECOGNIZERS, build_recognizers

__all__ = [
    "DEFAULT_RECOGNIZERS",
    "LABELS",
    "PLACEHOLDER_RE",
    "Candidate",
    "Lexicon",
    "Recognizer",
    "build_recognizers",
    "default_lexicon",
]
