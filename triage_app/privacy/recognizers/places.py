"""Geography below state level: street addresses, ZIP and post codes, hospitals, cities."""

from __future__ import annotations

import re
from typing import ClassVar

from triage_app.privacy.recognizers.base import Candidate, Recognizer

_STREET_TYPES = (
    r"street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|"
    r"circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl|crescent|close|grove|gardens|row|alley|pike|turnpike"
)
_WORD = r"[A-Za-z][A-Za-z'.-]*"


class StreetAddressRecognizer(Recognizer):
    """Street addresses ("12 Main St", "Apt 4B", "PO Box 123")."""

    LABEL = "ADDRESS"
    PATTERNS = (
        (
            "street",
            r"\b\d{1,6}[A-Za-z]?\s+(?:(?:north|south|east|west|n|s|e|w)\.?\s+)?(?:" + _WORD + r"\s+){0,3}"
            r"(?:" + _STREET_TYPES + r")\b\.?(?:,?\s*(?:apt|apartment|unit|suite|ste|#)\.?\s*#?\s*[A-Za-z0-9-]+)?",
            0.85,
        ),
        ("unit", r"\b(?:apt|apartment|suite|ste)\.?\s*#?\s*\d+[A-Za-z]?\b", 0.8),
        ("po-box", r"\b(?:p\.?\s?o\.?\s?box|post\s+office\s+box)\s*#?\s*\d+\b", 0.9),
    )
    #: Street "types" that are also clinical shorthand: require a capitalised street name.
    _AMBIGUOUS = re.compile(r"\b(?:st|dr|ct|pl|way|row|close|ave|av|sq|cir|ter)\b\.?$", re.IGNORECASE)

    def validate(self, text: str, match: re.Match[str], pattern: str) -> bool:
        if pattern != "street":
            return True
        words = match.group().split()
        if len(words) < 3 and not re.search(r"(?i)\b(?:street|avenue|road|boulevard|lane|drive|court|highway|parkway|terrace)\b", match.group()):
            return False
        name_words = words[1:-1]
        if not name_words:
            return False
        lexicon = self.lexicon
        # "2 units RBC st" or "5 mg po dr": a street name is not made of clinical words
        if all(lexicon.is_stopword(w.strip(".,'")) for w in name_words):
            return False
        if self._AMBIGUOUS.search(match.group()) and not all(w[:1].isupper() for w in name_words):
            return False
        return True


class ZipCodeRecognizer(Recognizer):
    """US ZIP codes after a state or cue, ZIP+4 anywhere, and UK postcodes."""

    LABEL = "ADDRESS"
    PATTERNS = (
        ("zip4", r"(?<![\w-])\d{5}-\d{4}(?![\w-])", 0.85),
        (
            "state-zip",
            r"\b(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[TA]|W[AVIY]),?\s+(?P<phi>\d{5})(?!\d)",
            0.9,
        ),
        ("zip-cue", r"(?i:\b(?:zip|zip\s*code|postal\s*code|post\s*code)\b\s*:?\s*)(?P<phi>\d{5}(?:-\d{4})?)\b", 0.9),
        ("uk-postcode", r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s\d[ABD-HJLNP-UW-Z]{2}\b", 0.75),
    )
    FLAGS = 0


class HospitalRecognizer(Recognizer):
    """Names of hospitals, clinics and care homes: the proper-name words before a facility
    word ("Calvert Hospital", "Holy Cross Hospital", "St. Mary's"), and known hospital
    abbreviations ("MGH") from the lexicon."""

    LABEL = "LOCATION"
    FACILITY = (
        r"hospital|hosp|medical\s+center|med\s+center|medical\s+ctr|med\s+ctr|medical|health\s+center|health\s+system|"
        r"healthcare|clinic|infirmary|memorial|rehab|rehabilitation(?:\s+center|\s+hospital)?|nursing\s+home|"
        r"nursing\s+center|nursing\s+facility|care\s+home|care\s+center|manor|hospice|sanatorium|university|college|"
        r"campus|center|centre|institute|va|vamc|snf|ltac|ltach|assisted\s+living"
    )
    PATTERNS = (
        ("saint", r"\b(?:st|saint|ste|san|santa|mt|mount|holy)\.?\s+(?P<phi>[A-Za-z][A-Za-z'-]+(?:\s+[A-Za-z][A-Za-z'-]+)?)", 0.8),
    )
    _BEFORE_FACILITY = re.compile(
        r"(?P<phi>(?:[A-Za-z][A-Za-z'.-]*\s+){0,2}[A-Za-z][A-Za-z'.-]*)\s+(?:" + FACILITY + r")\b", re.IGNORECASE
    )
    _OF_FACILITY = re.compile(r"\b(?:university|college|hospital|center|centre|institute)\s+of\s+(?P<phi>[A-Za-z][A-Za-z'-]+(?:\s+[A-Za-z][A-Za-z'-]+)?)", re.IGNORECASE)
    _WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")
    #: Facility words that are also ordinary clinical words: only a capitalised proper name before them counts.
    _WEAK = frozenset({"center", "centre", "medical", "university", "college", "campus", "va", "snf", "ltac", "ltach", "institute", "memorial", "rehab"})

    def _proper_words(self, text: str, start: int, end: int, *, allow_common: bool) -> list[tuple[int, int]]:
        """The trailing run of words in ``text[start:end]`` that can be a place name."""
        words = [(m.start() + start, m.end() + start) for m in self._WORD_RE.finditer(text, start, end)]
        words = [(s, e) for s, e in ((m.start(), m.end()) for m in self._WORD_RE.finditer(text[start:end]))]
        words = [(s + start, e + start) for s, e in words]
        kept: list[tuple[int, int]] = []
        for s, e in reversed(words):
            w = text[s:e].lower()
            if self.lexicon.is_stopword(w) or w in self.lexicon.states or w in ("general", "the", "county", "city", "community", "regional", "state", "children's", "womens", "women's", "veterans", "and", "of"):
                if w in ("general", "county", "city", "community", "regional", "of") and kept:
                    continue
                break
            if not allow_common and self.lexicon.is_common(w) and not text[s:e][:1].isupper():
                break
            kept.append((s, e))
        return list(reversed(kept))

    def analyze(self, text: str) -> list[Candidate]:
        out = super().analyze(text)
        for m in self._BEFORE_FACILITY.finditer(text):
            facility = text[m.end("phi") : m.end()].strip().lower()
            weak = facility.split()[0] in self._WEAK
            words = self._proper_words(text, m.start("phi"), m.end("phi"), allow_common=not weak and not text.isupper())
            if weak:
                words = [(s, e) for s, e in words if text[s:e][:1].isupper() and not text[s:e].isupper() or not self.lexicon.is_common(text[s:e])]
            if words:
                out.append(Candidate(words[0][0], words[-1][1], self.LABEL, 0.8, self.name))
        for m in self._OF_FACILITY.finditer(text):
            w = m.group("phi").split()[0].lower()
            if not self.lexicon.is_stopword(w):
                out.append(Candidate(m.start("phi"), m.end("phi"), self.LABEL, 0.75, self.name))
        for m in self._WORD_RE.finditer(text):
            if m.group().lower() in self.lexicon.hospitals and (m.group().isupper() or m.group()[:1].isupper() or len(m.group()) > 3):
                out.append(Candidate(m.start(), m.end(), self.LABEL, 0.7, self.name))
        return out


class PlaceRecognizer(Recognizer):
    """Cities and towns: lexicon entries that are not ordinary words, and capitalised
    words after "lives in", "from", "transferred from" and similar cues."""

    LABEL = "LOCATION"
    CONTEXT: ClassVar[tuple[str, ...]] = ("lives in", "living in", "resides in", "resident of", "from", "moved to", "native of", "born in", "home in", "visiting from", "town of", "city of")
    _CUE = re.compile(
        r"\b(?:lives|living|resides|residing|moved|relocated|born|raised|home|house|apartment|family)\s+(?:in|at|to|near)\s+(?:the\s+)?"
        r"|\b(?:resident|native|town|city|county|village)\s+of\s+"
        r"|\b(?:transferred|transfer|transf|trans|tx|txd|txfr|admitted|sent|came|arrived|referred|brought|flown|medflighted|from|at|to|in)\s+(?:from\s+|to\s+)?(?:an?\s+|the\s+)?(?:outside\s+hospital\s+|osh\s+)?(?:in\s+)?",
        re.IGNORECASE,
    )
    _WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")

    def analyze(self, text: str) -> list[Candidate]:
        out: list[Candidate] = []
        lex = self.lexicon
        upper_text = sum(c.isupper() for c in text) > 0.6 * max(1, sum(c.isalpha() for c in text))
        for m in self._WORD_RE.finditer(text):
            w = m.group()
            lw = w.lower()
            if lw in lex.places and not lex.is_common(lw) and lw not in lex.states:
                out.append(Candidate(m.start(), m.end(), self.LABEL, 0.65, self.name))
        strong = re.compile(r"\b(?:lives|living|resides|residing|moved|relocated|born|raised|resident|native|town|city|village|county)\b", re.IGNORECASE)
        for m in self._CUE.finditer(text):
            nxt = self._WORD_RE.match(text, m.end())
            if not nxt:
                continue
            w = nxt.group()
            lw = w.lower()
            if lex.is_stopword(lw) or lw in lex.states or lw in lex.english and not (w[:1].isupper() and not upper_text):
                continue
            is_strong = bool(strong.match(m.group()))
            # Weak cues ("to", "from", "at") need a word that is no ordinary word at all; in
            # mixed-case text also a capital letter.
            if not is_strong and (lex.is_common(lw) or (not upper_text and not w[:1].isupper()) or lw in lex.first_names):
                continue
            if not is_strong and not upper_text and w.isupper() and len(w) <= 4:
                continue  # an acronym (ICU, OSH) in mixed-case text
            end = nxt.end()
            second = self._WORD_RE.match(text, end + 1) if text[end : end + 1] == " " else None
            if is_strong and second and second.group()[:1].isupper() and not upper_text and not lex.is_common(second.group()):
                end = second.end()
            out.append(Candidate(nxt.start(), end, self.LABEL, 0.6 if not is_strong else 0.75, self.name))
        return out


__all__ = ["HospitalRecognizer", "PlaceRecognizer", "StreetAddressRecognizer", "ZipCodeRecognizer"]
