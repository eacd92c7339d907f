"""The redaction engine: runs the recognizer registry, resolves overlaps and writes typed,
consistently numbered placeholders.

``redact(text)`` returns :class:`~triage_app.core.protocols.RedactedText` whose spans are
offsets into the *original* text, sorted and non-overlapping. The clinician's review goes
through :func:`apply_spans` (after :func:`add_span` / :func:`remove_span`), so what is saved
is exactly the approved redaction. Placeholders already in a text are left alone, so
redacting a redacted text changes nothing.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence

from triage_app.core.errors import InputError
from triage_app.core.protocols import RedactedText
from triage_app.core.results import RedactionSpan
from triage_app.privacy.recognizers.base import LABELS, PLACEHOLDER_RE, Candidate, Recognizer
from triage_app.privacy.recognizers.registry import build_recognizers

log = logging.getLogger(__name__)

#: Placeholder kind written for each span label.
PLACEHOLDER_KIND: dict[str, str] = {
    "NAME": "NAME",
    "DATE": "DATE",
    "AGE": "AGE>89",
    "PHONE": "PHONE",
    "EMAIL": "EMAIL",
    "URL": "URL",
    "IP": "IP",
    "ID": "ID",
    "ADDRESS": "ADDRESS",
    "LOCATION": "LOCATION",
}
#: Labels whose placeholder carries no number (an age over 89 is one class, not a person).
UNNUMBERED: frozenset[str] = frozenset({"AGE"})
_NUMBERED_PLACEHOLDER = re.compile(r"\[([A-Z]+)_(\d+)\]")
_NAME_GAP = re.compile(r"[ \t]{1,2}|\.[ \t]?|[ \t]?-[ \t]?|,[ \t]?")
_MAX_PASSES = 3


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    """Where the placeholders already in ``text`` are."""
    return [m.span() for m in PLACEHOLDER_RE.finditer(text)]


def _surface_key(surface: str) -> str:
    return " ".join(re.sub(r"[^\w@./:-]+", " ", surface.casefold()).split()).strip(" .")


class _Numberer:
    """Gives each (label, surface) one number per case; names share a number when one is
    part of the other ("Gerry Masci" ... "Mr Masci")."""

    def __init__(self, text: str) -> None:
        self.next: dict[str, int] = {}
        for m in _NUMBERED_PLACEHOLDER.finditer(text):
            kind, n = m.group(1), int(m.group(2))
            self.next[kind] = max(self.next.get(kind, 1), n + 1)
        self.seen: dict[tuple[str, str], int] = {}
        self.name_tokens: list[tuple[frozenset[str], int]] = []

    def placeholder(self, label: str, surface: str) -> str:
        kind = PLACEHOLDER_KIND.get(label, label)
        if label in UNNUMBERED:
            return f"[{kind}]"
        key = (kind, _surface_key(surface))
        number = self.seen.get(key)
        if number is None and label == "NAME":
            tokens = frozenset(t for t in key[1].replace(".", " ").split() if len(t) > 1)
            matches = {n for toks, n in self.name_tokens if tokens and (tokens <= toks or toks <= tokens)}
            if len(matches) == 1:
                number = matches.pop()
        if number is None:
            number = self.next.get(kind, 1)
            self.next[kind] = number + 1
        self.seen[key] = number
        if label == "NAME":
            self.name_tokens.append((frozenset(t for t in key[1].replace(".", " ").split() if len(t) > 1), number))
        return f"[{kind}_{number}]"


def normalise_spans(text: str, spans: Iterable[RedactionSpan]) -> list[RedactionSpan]:
    """Clip to the text, drop empty spans, sort, and merge overlaps (the earlier label wins).

    Raises:
        InputError: A span label is not one of :data:`~triage_app.privacy.recognizers.base.LABELS`.
    """
    cleaned: list[RedactionSpan] = []
    for s in spans:
        if s.label not in PLACEHOLDER_KIND:
            raise InputError("text", f"Unknown redaction label {s.label!r}.", f"Use one of: {', '.join(LABELS)}.")
        start, end = max(0, min(s.start, len(text))), max(0, min(s.end, len(text)))
        if end > start:
            cleaned.append(RedactionSpan(start, end, s.label, s.placeholder))
    cleaned.sort(key=lambda s: (s.start, -s.end))
    merged: list[RedactionSpan] = []
    for s in cleaned:
        if merged and s.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = RedactionSpan(last.start, max(last.end, s.end), last.label)
        else:
            merged.append(s)
    return merged


def apply_spans(text: str, spans: Sequence[RedactionSpan]) -> RedactedText:
    """Replace exactly ``spans`` (offsets into ``text``) with numbered placeholders.

    Used for the clinician-approved redaction: the result holds those spans and nothing else.
    Spans are clipped, sorted and merged where they overlap; placeholders are renumbered so
    the same surface string gets the same number.
    """
    merged = normalise_spans(text, spans)
    numberer = _Numberer(text)
    parts: list[str] = []
    out_spans: list[RedactionSpan] = []
    pos = 0
    for s in merged:
        placeholder = numberer.placeholder(s.label, text[s.start : s.end])
        parts.append(text[pos : s.start])
        parts.append(placeholder)
        out_spans.append(RedactionSpan(s.start, s.end, s.label, placeholder))
        pos = s.end
    parts.append(text[pos:])
    return RedactedText("".join(parts), tuple(out_spans))


def add_span(text: str, spans: Sequence[RedactionSpan], start: int, end: int, label: str = "NAME") -> RedactedText:
    """The redaction with a user-selected range added (the clinician's "redact this").

    The selection is widened to whole words and merged with any span it touches.

    Raises:
        InputError: The range is empty or outside the text, or the label is unknown.
    """
    if not 0 <= start < end <= len(text):
        raise InputError("text", "The selected range is outside the text.", "Select part of the complaint text.")
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    kept = [s for s in spans if s.end <= start or s.start >= end]
    touched = [s for s in spans if not (s.end <= start or s.start >= end)]
    if touched:
        start, end = min(start, *(s.start for s in touched)), max(end, *(s.end for s in touched))
    return apply_spans(text, [*kept, RedactionSpan(start, end, label)])


def remove_span(text: str, spans: Sequence[RedactionSpan], index: int) -> RedactedText:
    """The redaction with span ``index`` (in sorted order) removed (the clinician's "keep this")."""
    ordered = normalise_spans(text, spans)
    if not 0 <= index < len(ordered):
        raise InputError("text", "No such redaction.", "Pick one of the highlighted redactions.")
    return apply_spans(text, ordered[:index] + ordered[index + 1 :])


def resolve_candidates(text: str, candidates: Iterable[Candidate]) -> list[Candidate]:
    """Non-overlapping candidates: placeholders are untouchable; same-label overlaps merge;
    otherwise the higher score wins, then the longer span."""
    protected = placeholder_spans(text)
    pool = [
        c
        for c in candidates
        if c.end > c.start and text[c.start : c.end].strip() and not any(c.start < pe and ps < c.end for ps, pe in protected)
    ]
    # trim whitespace and trailing punctuation that a pattern swallowed
    trimmed: list[Candidate] = []
    for c in pool:
        s, e = c.start, c.end
        while s < e and (text[s] in " \t\r\n,;:" or (text[s] == "(" and ")" not in text[s:e])):
            s += 1
        while e > s and (text[e - 1] in " \t\r\n,;:" or (text[e - 1] == ")" and "(" not in text[s:e])):
            e -= 1
        if e > s:
            trimmed.append(Candidate(s, e, c.label, c.score, c.source))
    # Overlapping candidates become one span covering all of them (recall first); its label
    # is that of the strongest candidate in the group (then the longest).
    chosen: list[Candidate] = []
    best: Candidate | None = None
    for c in sorted(trimmed, key=lambda c: (c.start, -c.end)):
        if chosen and c.start < chosen[-1].end:
            last = chosen[-1]
            assert best is not None
            if (c.score, c.end - c.start) > (best.score, best.end - best.start):
                best = c
            chosen[-1] = Candidate(last.start, max(last.end, c.end), best.label, max(last.score, c.score), best.source)
        else:
            best = c
            chosen.append(c)
    # "Jean" + "Hudson" -> one name span
    joined: list[Candidate] = []
    for c in chosen:
        gap = text[joined[-1].end : c.start] if joined else ""
        initial_before = bool(joined) and re.search(r"(?:^|[^A-Za-z])[A-Za-z]$", text[joined[-1].start : joined[-1].end]) is not None
        if (
            joined
            and c.label == "NAME"
            and joined[-1].label == "NAME"
            and _NAME_GAP.fullmatch(gap or " ")
            and (not gap.startswith(".") or initial_before)
        ):
            last = joined[-1]
            joined[-1] = Candidate(last.start, c.end, "NAME", max(last.score, c.score), last.source)
        else:
            joined.append(c)
    return joined


class RuleRedactor:
    """Pure-Python, offline redactor over a recognizer registry (the :class:`Redactor` protocol).

    Args:
        recognizers: Instantiated recognizers; see
            :func:`triage_app.privacy.recognizers.registry.build_recognizers`.
    """

    def __init__(self, recognizers: Sequence[Recognizer]) -> None:
        self.recognizers = tuple(recognizers)

    def candidates(self, text: str) -> list[Candidate]:
        """Raw candidates from every recognizer (overlapping; for debugging and benchmarks)."""
        found: list[Candidate] = []
        for recognizer in self.recognizers:
            found.extend(recognizer.analyze(text))
        return found

    def analyze(self, text: str) -> list[RedactionSpan]:
        """The spans to redact in ``text`` (no placeholders assigned yet)."""
        found = self.candidates(text)
        chosen = resolve_candidates(text, found)
        extra = self._repeat_mentions(text, chosen)
        if extra:
            chosen = resolve_candidates(text, [*found, *extra])
        return [RedactionSpan(c.start, c.end, c.label) for c in chosen]

    def _repeat_mentions(self, text: str, chosen: Sequence[Candidate]) -> list[Candidate]:
        """Other mentions of a name or place already found in this text ("Quartermain 2 or
        Quartermain 3"), for surfaces made only of words no dictionary lists."""
        lexicon = self.recognizers[0].lexicon if self.recognizers else None
        if lexicon is None:
            return []
        surfaces: dict[str, str] = {}
        for c in chosen:
            if c.label not in ("NAME", "LOCATION"):
                continue
            surface = text[c.start : c.end]
            words = re.findall(r"[A-Za-z]+", surface)
            if not words or len(surface) < 3 or len(words) > 3:
                continue
            if all(len(w) >= 3 and not lexicon.is_common(w) and not lexicon.is_stopword(w) for w in words):
                surfaces.setdefault(surface.lower(), c.label)
        extra: list[Candidate] = []
        for surface, label in surfaces.items():
            pattern = re.compile(r"(?<![A-Za-z])" + re.escape(surface).replace(r"\ ", r"\s+") + r"\d*(?![a-z])", re.IGNORECASE)
            for m in pattern.finditer(text):
                extra.append(Candidate(m.start(), m.end(), label, 0.5, "repeat"))
        return extra

    def redact(self, text: str) -> RedactedText:
        """Redact ``text``. Runs again on its own output until nothing new is found, so that
        ``redact(redact(t).text)`` changes nothing."""
        if not isinstance(text, str):
            raise InputError("text", "The text to redact must be a string.")
        spans = self.analyze(text)
        result = apply_spans(text, spans)
        for _ in range(_MAX_PASSES - 1):
            if not result.spans:
                break  # nothing replaced: a second look would see the same text
            extra = self.analyze(result.text)
            if not extra:
                break
            mapped = _map_back(text, result, extra)
            if not mapped:
                break
            spans = [*spans, *mapped]
            result = apply_spans(text, spans)
        log.debug("redacted %d spans", len(result.spans))
        return result


def _map_back(original: str, result: RedactedText, extra: Sequence[RedactionSpan]) -> list[RedactionSpan]:
    """Translate spans found in ``result.text`` back to offsets in ``original``."""
    # unchanged segments: (redacted_start, redacted_end, original_start)
    segments: list[tuple[int, int, int]] = []
    red_pos = orig_pos = 0
    for s in result.spans:
        length = s.start - orig_pos
        segments.append((red_pos, red_pos + length, orig_pos))
        red_pos += length + len(s.placeholder)
        orig_pos = s.end
    segments.append((red_pos, red_pos + len(original) - orig_pos, orig_pos))
    mapped: list[RedactionSpan] = []
    for e in extra:
        for rs, re_, os_ in segments:
            if rs <= e.start and e.end <= re_:
                mapped.append(RedactionSpan(os_ + e.start - rs, os_ + e.end - rs, e.label))
                break
    return mapped


@functools.lru_cache(maxsize=1)
def default_redactor() -> RuleRedactor:
    """The app's redactor: every recognizer in the registry over the packaged lexicon."""
    return RuleRedactor(build_recognizers())


__all__ = [
    "PLACEHOLDER_KIND",
    "RuleRedactor",
    "add_span",
    "apply_spans",
    "default_redactor",
    "normalise_spans",
    "placeholder_spans",
    "remove_span",
    "resolve_candidates",
]
