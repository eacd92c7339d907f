"""Checks on the complaint text before it reaches the model.

Defined behaviour for bad input (each case is tested):

- empty or whitespace only: :class:`InputError` ("The complaint is empty").
- longer than :data:`MAX_TEXT_CHARS` (e.g. 100,000 characters): :class:`InputError` saying the
  length and the maximum. :class:`Intake` enforces the same cap.
- binary junk / control characters: control and format characters are stripped (tabs and
  newlines kept); if no letters remain: :class:`InputError` "no readable text".
- numbers or symbols only (no letters, e.g. "120 80 98.6"): :class:`InputError`: a level
  guessed from digits alone would be meaningless, so the user is asked to describe the complaint
  in words (vitals belong in the vitals fields).
- emoji and right-to-left text: processed; emoji are kept (the tokenizer maps them to
  [UNK]), bidi control marks are removed.
- non-English text: processed but flagged: a warning and an uncertainty reason
  "text looks non-English: out of scope", never silently guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from triage_app.core.errors import InputError
from triage_app.core.intake import MAX_TEXT_CHARS

__all__ = ["NON_ENGLISH_REASON", "CheckedText", "check_text", "clean_text", "looks_non_english"]

NON_ENGLISH_REASON = "text looks non-English: out of scope"

# Common English function words and clinical shorthand: evidence the note is English.
_ENGLISH = frozenset(
    """a an and are as at be been but by c/o can for from had has have he her his history i in is it
    its my no not of on or pain patient pt presents she since that the their there they this to was
    were with without x yesterday today days day hours hrs weeks left right chest head abdominal
    fever cough breath sob denies complains bleeding fall fell after before yo y/o old male female
    year years months swelling rash vomiting nausea headache back injury""".split()
)
# Function words of other languages written in Latin script.
_FOREIGN = frozenset(
    """el la los las del con por para que una uno es está tiene dolor desde hace pecho cabeza y
    le les des du avec pour est une dans sur pas depuis douleur poitrine tête et il elle
    der die das und mit ist nicht ein eine seit schmerzen brust kopf von zu auf
    o os as um uma com não está dor peito desde há
    il lo gli della con per che non una dolore petto testa da
    de het een en met niet pijn borst hoofd sinds van""".split()
) - _ENGLISH
_WORD = re.compile(r"[^\W\d_]+(?:[/'][^\W\d_]+)?", re.UNICODE)
_SPACES = re.compile(r"[ \t\u00a0]+")


@dataclass(frozen=True)
class CheckedText:
    """Cleaned text plus what the service must tell the user about it."""

    text: str
    warnings: tuple[str, ...] = ()
    uncertainty_reasons: tuple[str, ...] = ()


def clean_text(text: str) -> str:
    """Strip control, format (bidi marks), surrogate and private-use characters; tidy spaces.

    Newlines and tabs are kept (as line breaks / spaces). U+FFFD replacement characters, which
    appear when binary data was decoded as text, are removed too.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for ch in text:
        if ch in "\n\t":
            kept.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Co", "Cn") or ch == "\ufffd":
            continue
        if cat == "Cf" and ch != "\u200d":  # keep the zero-width joiner inside emoji sequences
            continue
        kept.append(ch)
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(kept).split("\n")]
    return "\n".join(line for line in lines if line)


def _letters(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch).startswith("L")]


def looks_non_english(text: str) -> bool:
    """Heuristic: mostly non-Latin letters, or more foreign than English function words."""
    letters = _letters(text)
    if not letters:
        return False
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    if latin / len(letters) < 0.5:
        return True
    words = [w.lower() for w in _WORD.findall(text)]
    english = sum(1 for w in words if w in _ENGLISH)
    foreign = sum(1 for w in words if w in _FOREIGN)
    return foreign >= 2 and foreign > english


def check_text(text: str) -> CheckedText:
    """Validate and clean a complaint (see the module docstring for each case).

    Raises:
        InputError: Empty, too long, unreadable, or numbers-only text (field ``"text"``).
    """
    if not isinstance(text, str):
        raise InputError("text", "The complaint must be text.")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            "text",
            f"The complaint is {len(text):,} characters long; the maximum is {MAX_TEXT_CHARS:,}.",
            "Enter the presenting complaint and key findings only, not the whole record.",
        )
    if not text.strip():
        raise InputError("text", "The complaint is empty.", "Describe the presenting complaint in words.")
    cleaned = clean_text(text)
    if not cleaned:
        raise InputError("text", "The complaint has no readable text (only control characters).", "Type the complaint again; do not paste binary data.")
    if not _letters(cleaned):
        if any(ch.isdigit() for ch in cleaned):
            raise InputError(
                "text",
                "The complaint contains only numbers; a level cannot be suggested from numbers alone.",
                "Describe the complaint in words and put measurements in the vital-sign fields.",
            )
        raise InputError("text", "The complaint has no readable text (no letters).", "Describe the presenting complaint in words.")
    warnings: list[str] = []
    reasons: list[str] = []
    if looks_non_english(cleaned):
        warnings.append(NON_ENGLISH_REASON)
        reasons.append(NON_ENGLISH_REASON)
    if cleaned != text.strip():
        removed = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn", "Cf") and ch not in "\n\t\r\u200d")
        if removed:
            warnings.append(f"{removed} control character(s) were removed from the text")
    return CheckedText(cleaned, tuple(warnings), tuple(reasons))
