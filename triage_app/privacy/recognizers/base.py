"""What every recognizer is: a small class with class-level ``PATTERNS`` and ``CONTEXT``.

A recognizer looks at the whole text and returns :class:`Candidate` spans. The engine
(:mod:`triage_app.privacy.redactor`) resolves overlaps, numbers placeholders and keeps
already-redacted placeholders untouched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from triage_app.privacy.recognizers.lexicon import Lexicon

#: A placeholder the redactor wrote earlier: ``[NAME_1]``, ``[DATE]``, ``[AGE>89]``.
PLACEHOLDER_RE = re.compile(r"\[(?:[A-Z]+(?:_\d+)?|AGE>89)\]")

#: Placeholder kinds, by span label.
LABELS: tuple[str, ...] = ("NAME", "DATE", "AGE", "PHONE", "EMAIL", "URL", "IP", "ID", "ADDRESS", "LOCATION")


@dataclass(frozen=True)
class Candidate:
    """A span a recognizer believes is PHI.

    Attributes:
        start: Offset of the first character in the analysed text.
        end: Offset one past the last character.
        label: One of :data:`LABELS`.
        score: Confidence in [0, 1]; on overlap the higher score wins, then the longer span.
        source: The recognizer's name (for debugging and benchmarks; never logged with text).
    """

    start: int
    end: int
    label: str
    score: float
    source: str


class Recognizer:
    """Base class. Subclasses set ``LABEL`` and ``PATTERNS`` (and optionally ``CONTEXT``).

    ``PATTERNS`` are ``(name, regex, score)`` triples. When ``CONTEXT`` is non-empty and
    ``CONTEXT_REQUIRED`` is true, a match counts only if one of the context words occurs
    within ``CONTEXT_WINDOW`` characters before it. Override :meth:`validate` to reject
    matches (checksums, clinical look-alikes) and :meth:`analyze` for non-regex logic. A
    named group ``phi`` in a pattern marks the part to redact (the rest is its cue).
    """

    LABEL: ClassVar[str] = ""
    PATTERNS: ClassVar[tuple[tuple[str, str, float], ...]] = ()
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    CONTEXT_REQUIRED: ClassVar[bool] = False
    CONTEXT_WINDOW: ClassVar[int] = 40
    FLAGS: ClassVar[int] = re.IGNORECASE

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._compiled = tuple((name, re.compile(rx, self.FLAGS), score) for name, rx, score in self.PATTERNS)
        self._context_re = (
            re.compile(r"(?<![A-Za-z])(?:" + "|".join(re.escape(c) for c in self.CONTEXT) + r")(?![A-Za-z])", re.IGNORECASE)
            if self.CONTEXT
            else None
        )

    @property
    def name(self) -> str:
        return type(self).__name__

    def has_context(self, text: str, start: int) -> bool:
        """True when a ``CONTEXT`` word occurs shortly before ``start``."""
        if self._context_re is None:
            return False
        return self._context_re.search(text, max(0, start - self.CONTEXT_WINDOW), start) is not None

    def validate(self, text: str, match: re.Match[str], pattern: str) -> bool:
        """Return False to drop a match. Default: keep."""
        return True

    def iter_matches(self, text: str) -> Iterator[tuple[re.Match[str], str, float]]:
        for name, rx, score in self._compiled:
            for m in rx.finditer(text):
                yield m, name, score

    def analyze(self, text: str) -> list[Candidate]:
        """All candidate spans in ``text``."""
        out: list[Candidate] = []
        for m, pattern, score in self.iter_matches(text):
            # A named group ``phi`` marks the identifier inside a match that also needs its cue.
            start, end = m.span("phi") if "phi" in m.re.groupindex else m.span()
            if start < 0 or start == end:
                continue
            if self.CONTEXT_REQUIRED and not self.has_context(text, start):
                continue
            if not self.validate(text, m, pattern):
                continue
            out.append(Candidate(start, end, self.LABEL, score, self.name))
        return out


__all__ = ["LABELS", "PLACEHOLDER_RE", "Candidate", "Recognizer"]
