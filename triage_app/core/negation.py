"""NegEx-style context for phrase matches: negated, historical or hypothetical mentions.

A match is *not current* when, within its clause, a trigger precedes it by at most
:data:`MAX_GAP_WORDS` words ("denies chest pain", "no LOC", "h/o MI", "if chest pain") or
follows it closely ("chest pain denied", "MI in 2019", "stroke 3 years ago"). A clause ends at
sentence punctuation, a comma (except inside a short list closed by "or"/"nor", e.g. "no
fever, neck stiffness or vomiting"), or a conjunction that opens new information ("but", "however",
"now", "here for", "presents with"...). Pseudo-triggers such as "no change" or "not only" are
not negations.

"Resolved" is not a negation: ACS with pain that has resolved is still high risk (CLINICAL_REFERENCE).

Deliberate bias: when in doubt a mention counts as current, because a missed red flag
(under-triage) is worse than an extra one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["CONTEXT_CHARS", "MAX_GAP_WORDS", "MentionContext", "clause_bounds", "mention_context"]

MAX_GAP_WORDS = 5
#: How far (characters) to look either side of a mention for its clause and sentence.
CONTEXT_CHARS = 300

_PRE_NEGATION = (
    r"no",
    r"not",
    r"nil",
    r"never",
    r"denies",
    r"denied",
    r"deny",
    r"denying",
    r"without",
    r"w/o",
    r"negative for",
    r"neg for",
    r"free of",
    r"absence of",
    r"no signs? of",
    r"no evidence of",
    r"no history of",
    r"no hx of",
    r"no c/o",
    r"not complaining of",
    r"doesn'?t have",
    r"does not have",
    r"did not have",
    r"didn'?t have",
    r"ruled out",
)
_PRE_HISTORY = (
    r"h/o",
    r"hx of",
    r"hx",
    r"history of",
    r"pmh(x)?( of)?",
    r"past (medical )?history( of)?",
    r"previous",
    r"previously",
    r"prior (history|hx)( of)?",
    r"remote",
    r"family history( of)?",
    r"fhx?( of)?",
    r"(mother|father|brother|sister|mum|mom|dad|grandmother|grandfather) (had|has|with|died of)",
)
_PRE_HYPOTHETICAL = (
    r"if",
    r"in case of",
    r"watch for",
    r"return if",
    r"return for",
    r"advised to return",
    r"safety.?net(ted|ting)? for",
    r"worried about",
    r"concerned about",
    r"afraid of",
    r"fear of",
    r"risk of",
    r"plan(s|ned|ning)? to",
    r"thinking (of|about)",
)
_POST_NEGATION = (
    r"denied",
    r"absent",
    r"negative",
    r"ruled out",
    r"not present",
    r"none",
    r"unlikely",
)
_POST_HISTORY = (
    r"(in )?(19|20)\d\d",
    r"\d+ (years?|yrs?|months?|mo) ago",
    r"(last|previous) (year|month)",
    r"as a child",
    r"years ago",
    r"in the past",
)
_PSEUDO = (
    r"no (change|increase|decrease|further|longer able)",
    r"not only",
    r"not certain( if| whether)?",
    r"not sure( if| whether)?",
    r"no improvement",
    r"not (improving|improved|better|responding to|settling|stopping|resolving)",
    r"without (improvement|relief)",
    r"gram negative",
)
_TERMINATORS = (
    r"[.;!?\n]",
    r",",
    r"\bbut\b",
    r"\bhowever\b",
    r"\balthough\b",
    r"\bthough\b",
    r"\bexcept\b",
    r"\byet\b",
    r"\bnow\b",
    r"\btoday\b",
    r"\bcurrently\b",
    r"\bhere (for|with)\b",
    r"\bpresents? with\b",
    r"\bpresenting with\b",
    r"\bc/o\b",
    r"\bcomplain(s|ing)? of\b",
    r"\bthen\b",
    r"\bsince\b",
    r"\bwhich\b",
    r"\bapart from\b",
    r"\baside from\b",
)


def _alt(parts: tuple[str, ...]) -> str:
    return "|".join(sorted(parts, key=len, reverse=True))


_PRE_RE = {
    "negated": re.compile(rf"(?<![\w/])(?:{_alt(_PRE_NEGATION)})(?![\w/])", re.IGNORECASE),
    "history": re.compile(rf"(?<![\w/])(?:{_alt(_PRE_HISTORY)})(?![\w/])", re.IGNORECASE),
    "hypothetical": re.compile(rf"(?<![\w/])(?:{_alt(_PRE_HYPOTHETICAL)})(?![\w/])", re.IGNORECASE),
}
_POST_RE = {
    "negated": re.compile(rf"^\W*(?:\w+\W+){{0,2}}?(?:{_alt(_POST_NEGATION)})\b", re.IGNORECASE),
    "history": re.compile(rf"^\W*(?:\w+\W+){{0,2}}?(?:{_alt(_POST_HISTORY)})\b", re.IGNORECASE),
}
_PSEUDO_RE = re.compile(rf"(?<![\w/])(?:{_alt(_PSEUDO)})(?![\w/])", re.IGNORECASE)
def _terminator_re(terms: tuple[str, ...]) -> re.Pattern[str]:
    # One character class plus one \b-anchored word group: far faster than a flat alternation
    # of \b-wrapped branches (the regex then fails fast at non-boundaries).
    chars = "".join(t.strip("[]") for t in terms if t.startswith("[") or t == ",")
    words = tuple(t.replace("\\b", "") for t in terms if t.startswith("\\b"))
    parts = [f"[{chars}]"] if chars else []
    if words:
        parts.append(rf"\b(?:{_alt(words)})\b")
    return re.compile("|".join(parts), re.IGNORECASE)


_TERM_RE = _terminator_re(_TERMINATORS)
_WORD_RE = re.compile(r"[\w/'-]+")
_SENTENCE_END_RE = re.compile(r"[.;!?\n]")
_LIST_CLOSE_RE = re.compile(r"\b(or|nor)\b", re.IGNORECASE)
_NON_COMMA_TERM_RE = _terminator_re(tuple(t for t in _TERMINATORS if t != ","))
MAX_LIST_ITEM_WORDS = 4
MAX_LIST_ITEMS = 6


@dataclass(frozen=True)
class MentionContext:
    """Why a mention is not current, if it is not.

    Attributes:
        status: "current", "negated", "history" or "hypothetical".
        trigger: The trigger words that decided it ("" when current).
    """

    status: str
    trigger: str = ""

    @property
    def current(self) -> bool:
        return self.status == "current"


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause around ``text[start:end]``: from the last terminator before to the next after.

    Looks at most :data:`CONTEXT_CHARS` characters either way, so the cost per mention is bounded
    even in a 20,000-character note (a trigger further away is out of scope anyway).
    """
    lo = max(0, start - CONTEXT_CHARS)
    left = lo
    for m in _TERM_RE.finditer(text, lo, start):
        left = m.end()
    nxt = _TERM_RE.search(text, end, min(len(text), end + CONTEXT_CHARS))
    right = nxt.start() if nxt else min(len(text), end + CONTEXT_CHARS)
    return left, right


def _pre_trigger(before: str) -> tuple[int, str, str] | None:
    """Nearest pre-trigger in ``before`` within MAX_GAP_WORDS words: (gap, status, trigger)."""
    pseudo_spans = [(m.start(), m.end()) for m in _PSEUDO_RE.finditer(before)]
    best: tuple[int, str, str] | None = None
    for status, pattern in _PRE_RE.items():
        for m in pattern.finditer(before):
            if any(ps <= m.start() < pe for ps, pe in pseudo_spans):
                continue
            gap = len(_WORD_RE.findall(before[m.end() :]))
            if gap <= MAX_GAP_WORDS and (best is None or gap < best[0]):
                best = (gap, status, m.group(0))
    return best


def _list_trigger(text: str, start: int, end: int, left: int) -> tuple[int, str, str] | None:
    """A trigger that governs a comma list ending in "or"/"nor": "no fever, neck stiffness or
    vomiting", "had no vomiting, headache or neck stiffness". Every list item between the trigger
    and the mention must be short, and the list must close with "or"/"nor" (not "and": "no fever,
    crushing chest pain and sweating" is read as current, the safe way)."""
    sentence_start = max(0, start - CONTEXT_CHARS)
    for m in _SENTENCE_END_RE.finditer(text, sentence_start, start):
        sentence_start = m.end()
    nxt = _SENTENCE_END_RE.search(text, end, min(len(text), end + CONTEXT_CHARS))
    sentence_end = nxt.start() if nxt else min(len(text), end + CONTEXT_CHARS)
    if len(_WORD_RE.findall(text[left:start])) > MAX_LIST_ITEM_WORDS - 1:
        return None
    pieces = text[sentence_start:left].split(",")
    if pieces and pieces[-1].strip() == "":
        pieces = pieces[:-1]
    for back, piece in enumerate(reversed(pieces)):
        if back >= MAX_LIST_ITEMS or _NON_COMMA_TERM_RE.search(piece):
            return None
        found = _pre_trigger(piece)
        if found is not None:
            after_trigger = text[sentence_start + len(",".join(pieces[: len(pieces) - back])) : sentence_end]
            return found if _LIST_CLOSE_RE.search(after_trigger) else None
        if len(_WORD_RE.findall(piece)) > MAX_LIST_ITEM_WORDS:
            return None
    return None


def mention_context(text: str, start: int, end: int) -> MentionContext:
    """Classify the mention ``text[start:end]`` as current, negated, historical or hypothetical."""
    left, right = clause_bounds(text, start, end)
    before = text[left:start]
    best = _pre_trigger(before)
    if best is None and left > 0 and text[left - 1] == ",":
        best = _list_trigger(text, start, end, left)
    if best is not None:
        return MentionContext(best[1], best[2].lower())
    after = text[end:right]
    for status, pattern in _POST_RE.items():
        m = pattern.search(after)
        if m:
            return MentionContext(status, m.group(0).strip().lower())
    return MentionContext("current")
