"""Geography below state level: street addresses, ZIP and post codes, hospitals, cities."""

from __future__ import annotations

import re
from typing import ClassVar

from triage_app.privacy.recognizers.base import Candidate, Recognizer
from triage_app.privacy.recognizers.facilities import GENERIC_FACILITY_WORDS, specialty_like
from triage_app.privacy.recognizers.names import EPONYM_AFTER

#: A dose right after a word: "on azathioprine 100 mg" is a drug, not "on Ward 2".
_DOSE_AFTER = re.compile(r"\s*\d+(?:\.\d+)?\s*(?:mg|g|gm|mcg|ug|units?|u|ml|cc|mmol|meq|%|l|mg/|tabs?|puffs?)\b", re.IGNORECASE)

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
        start = match.start()
        if start > 0 and text[start - 1] in "/-.+":
            return False  # "10/3 PERSANTINE THALLIUM ST", "V1-5 WO ACUTE ST": a ratio or range, not a house number
        if words[1].lower().strip(".") in ("st", "nd", "rd", "th") and not re.search(
            r"(?i)\b(?:street|avenue|road|boulevard|lane|drive|court|highway|parkway|terrace)\b", match.group()
        ):
            return False  # "1 ST DEGREE AV BLOCK", "3 RD UNIT OF": an ordinal; "1 St James Street" stays
        if re.fullmatch(r"\d+[uUxXlLgG]", words[0]):
            return False  # "4U REG SQ", "2L NC": a dose or volume
        lexicon = self.lexicon
        if any(w.lower().strip(".,'") in lexicon.function_words for w in name_words):
            return False  # "3 WAY FOLEY IN PLACE": a street name has no "in", "on", "to"
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
        (
            "university-of-state",
            r"(?i:\b(?:university|univ|u)\.?\s+(?:of\s+)?)(?:maryland|md|massachusetts|mass|pennsylvania|penn|virginia|va|"
            r"michigan|mich|california|calif|texas|florida|washington|wisconsin|minnesota|iowa|colorado|utah|chicago|"
            r"rochester|pittsburgh|miami|cincinnati|alabama|kentucky|tennessee|illinois|nebraska|kansas|oklahoma)\b",
            0.8,
        ),
    )
    _SAINT = re.compile(r"\b(?:st\.|saint|ste\.|mt\.|mount|holy|st(?=\s+[A-Za-z]+'s\b))\s*(?P<name>[A-Za-z][A-Za-z'-]+)", re.IGNORECASE)
    _BEFORE_FACILITY = re.compile(
        r"(?P<phi>(?:[A-Za-z][A-Za-z'.-]*\s+){0,2}[A-Za-z][A-Za-z'.-]*)\s+(?:" + FACILITY + r")\b", re.IGNORECASE
    )
    _OF_FACILITY = re.compile(r"\b(?:university|college|hospital|center|centre|institute)\s+of\s+(?P<phi>[A-Za-z][A-Za-z'-]+(?:\s+[A-Za-z][A-Za-z'-]+)?)", re.IGNORECASE)
    _WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")
    #: Facility words that are also ordinary clinical words: only a capitalised proper name before them counts.
    _WEAK = frozenset({"center", "centre", "medical", "university", "college", "campus", "va", "snf", "ltac", "ltach", "institute", "memorial", "rehab"})

    def _proper_words(self, text: str, start: int, end: int, *, allow_common: bool) -> list[tuple[int, int]]:
        """The trailing run of words in ``text[start:end]`` that can be a place name."""
        words = [(m.start() + start, m.end() + start) for m in self._WORD_RE.finditer(text[start:end])]
        kept: list[tuple[int, int]] = []
        for s, e in reversed(words):
            w = text[s:e].lower()
            if w in GENERIC_FACILITY_WORDS and w not in ("general", "county", "city", "community", "regional", "state"):
                break  # "outside hospital", "local hospital": generic, not a name
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
        for m in self._SAINT.finditer(text):
            name = m.group("name")
            base = name.lower().removesuffix("'s")
            holy = m.group().lower().startswith("holy")
            if self.lexicon.is_stopword(base) or (not holy and self.lexicon.is_common(base) and base not in self.lexicon.first_names):
                continue
            if holy and base not in ("cross", "name", "family", "spirit", "trinity", "redeemer", "angels", "ghost"):
                continue
            if name.islower() and not text.islower() and not holy:
                continue
            out.append(Candidate(m.start(), m.end(), self.LABEL, 0.8, self.name))
        for m in self._BEFORE_FACILITY.finditer(text):
            facility = text[m.end("phi") : m.end()].strip().lower()
            weak = facility.split()[0] in self._WEAK
            words = self._proper_words(text, m.start("phi"), m.end("phi"), allow_common=not weak and not text.isupper())
            if weak:
                words = [(s, e) for s, e in words if text[s:e][:1].isupper() and not text[s:e].isupper() or not self.lexicon.is_common(text[s:e])]
            if facility.startswith(("clinic", "infirmary", "health", "care", "hospice", "center", "centre")) and any(
                specialty_like(self.lexicon, text[s:e]) for s, e in words
            ):
                words = []  # "Memory Clinic", "Walk-in Clinic": a specialty or service, not a name
            if facility.startswith("memorial") and words:
                # "Harford Memorial", "Memorial Hospital": Memorial is part of the name
                mem = m.end("phi") + len(text[m.end("phi") : m.end()]) - len(text[m.end("phi") : m.end()].lstrip())
                words = [*words, (mem, mem + len("memorial"))]
            elif not words and not weak:
                # "MD Hospital": a state right before a hospital word names that hospital
                last = list(self._WORD_RE.finditer(text[m.start("phi") : m.end("phi")]))
                if last and last[-1].group().lower() in self.lexicon.states and len(last[-1].group()) > 1:
                    words = [(m.start("phi") + last[-1].start(), m.start("phi") + last[-1].end())]
            if words:
                out.append(Candidate(words[0][0], words[-1][1], self.LABEL, 0.8, self.name))
        for m in self._OF_FACILITY.finditer(text):
            words = m.group("phi").split()
            if self.lexicon.is_stopword(words[0].lower()):
                continue
            end = m.end("phi")
            if len(words) > 1 and (self.lexicon.is_common(words[1]) or words[1].lower() in self.lexicon.function_words):
                end = m.start("phi") + len(words[0])
            # "University of Maryland": the whole name identifies the place
            out.append(Candidate(m.start(), end, self.LABEL, 0.75, self.name))
        for m in self._WORD_RE.finditer(text):
            if m.group().lower() in self.lexicon.hospitals and (
                m.group().isupper()
                or m.group()[:1].isupper()
                or len(m.group()) > 3
                or re.search(r"\b(?:to|at|from|in|of)\s+$", text[max(0, m.start() - 6) : m.start()], re.IGNORECASE)
            ):
                out.append(Candidate(m.start(), m.end(), self.LABEL, 0.7, self.name))
        return out


class PlaceRecognizer(Recognizer):
    """Cities, towns, wards and buildings: lexicon entries that are not ordinary words,
    multi-word place names ("Bel Air", "Chester River"), and unknown words after a cue:
    strong ("lives in"), transfer ("transferred from"), or a bare preposition when a unit
    number or facility word follows ("to Quartermain 2")."""

    LABEL = "LOCATION"
    CONTEXT: ClassVar[tuple[str, ...]] = ("lives in", "resides in", "resident of", "moved to", "native of", "born in", "transferred from")
    _STRONG = re.compile(
        r"\b(?:(?:lives|living|resides|residing|moved|relocated|born|raised|home|house|vacation|vacationing|works|working)\s+(?:[a-z]+\s+)?(?:in|at|to|near|on)"
        r"|(?:resident|native|town|city|county|village)\s+of)\s+(?:the\s+)?$",
        re.IGNORECASE,
    )
    _TRANSFER = re.compile(
        r"\b(?:transferred|transfer|transf|trans|tx|txd|txfr|admitted|sent|came|arrived|referred|brought|flown|"
        r"medflighted|returned|discharged|d/c'?d|followed|seen|treated|presented|presenting|went|go|going)\s+"
        r"(?:back\s+)?(?:from|to|at|in|into)\s+(?:the\s+)?(?:an?\s+)?(?:outside\s+hospital\s+|osh\s+)?$",
        re.IGNORECASE,
    )
    _PREP = re.compile(r"(?:\b(?:from|to|at|in|on)\s+|\b(?:plan|dispo|disposition)\s*:\s*(?:to\s+)?)$", re.IGNORECASE)
    _FOLLOW = re.compile(
        r"\s*(?:\d|/\d|(?:hospital|hosp|er|ew|ed|icu|ccu|micu|unit|clinic|rehab|medical|med|general|memorial|campus|center|ctr)\b)",
        re.IGNORECASE,
    )
    _PLACE_SUFFIX = re.compile(
        r"\b(?P<phi>(?:bel\s+air)|[A-Za-z][A-Za-z'-]+\s+(?:square|river|shore|mill|mills|haven|park|heights|falls|springs|beach|harbor|harbour|"
        r"valley|hills|creek|point|township|village|county|city|bay|lake|ridge|grove|junction|landing|station))\b",
        re.IGNORECASE,
    )
    _WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")

    def _plain(self, word: str) -> bool:
        """An ordinary, clinical or function word (any hyphen part), or a plural of one."""
        lex = self.lexicon
        for part in re.split(r"[-']", word.lower()):
            if not part:
                continue
            if lex.is_common(part) or part in lex.states or (part.endswith("s") and lex.is_common(part[:-1])) or len(part) <= 2:
                return True
        return False

    def analyze(self, text: str) -> list[Candidate]:
        out: list[Candidate] = []
        lex = self.lexicon
        letters = [c for c in text if c.isalpha()]
        upper_text = sum(c.isupper() for c in letters) > 0.6 * max(1, len(letters))
        for m in self._WORD_RE.finditer(text):
            w = m.group()
            lw = w.lower()
            if lw in lex.places and not lex.is_common(lw) and lw not in lex.states and not EPONYM_AFTER.match(text, m.end()):
                out.append(Candidate(m.start(), m.end(), self.LABEL, 0.65, self.name))
                continue
            if lw == "new" and re.match(r"\s+(?:haven|york|jersey|hampshire|orleans|london|bedford|britain|castle)\b", text[m.end() :], re.IGNORECASE):
                out.append(Candidate(m.start(), m.end(), self.LABEL, 0.65, self.name))
                continue
            before = text[max(0, m.start() - 60) : m.start()]
            if "\n" in before[-4:] or lex.is_stopword(lw) or lw in lex.states or lw in lex.hospitals:
                continue
            if self._STRONG.search(before):
                if lex.is_everyday(lw) and re.match(r"\s*\d", text[m.end() :]):
                    continue  # "moved to Bay 4": a bed space
                if not self._plain(w) or (w[:1].isupper() and not upper_text and not lex.is_stopword(lw)):
                    out.append(Candidate(m.start(), m.end(), self.LABEL, 0.75, self.name))
            elif self._TRANSFER.search(before):
                if not self._plain(w) and len(w) >= 3:
                    out.append(Candidate(m.start(), m.end(), self.LABEL, 0.65, self.name))
            elif self._PREP.search(before[-16:]):
                if _DOSE_AFTER.match(text, m.end()) or EPONYM_AFTER.match(text, m.end()):
                    continue  # "on azathioprine 100 mg", "Ottawa ankle rules"
                ward = re.match(r"\s*\d{1,2}\b", text[m.end() :]) is not None and not lex.is_everyday(lw) and len(w) >= 5
                if ward or not self._plain(w) and len(w) >= 4 and lw not in lex.first_names and (
                    self._FOLLOW.match(text, m.end()) or (not upper_text and w[:1].isupper() and not w.isupper())
                ):
                    out.append(Candidate(m.start(), m.end(), self.LABEL, 0.6, self.name))
        for m in self._PLACE_SUFFIX.finditer(text):
            first = m.group("phi").split()[0]
            if first.lower() == "new":
                out.append(Candidate(m.start("phi"), m.end("phi"), self.LABEL, 0.6, self.name))
                continue
            if lex.is_stopword(first) or first.lower() in lex.function_words or (first.islower() and not text.islower() and lex.is_common(first)):
                continue
            directional = first.lower() in ("north", "south", "east", "west", "eastern", "western", "northern", "southern", "upper", "lower", "middle")
            if lex.is_common(first) and (not first[:1].isupper() or upper_text) and first.lower() != "bel" and not directional:
                continue
            out.append(Candidate(m.start("phi"), m.end("phi"), self.LABEL, 0.6, self.name))
        # "QUARTERMAIN7": a unit number glued to the place name goes with it
        return [
            Candidate(c.start, c.end + len(re.match(r"\d*", text[c.end :]).group()), c.label, c.score, c.source)  # type: ignore[union-attr]
            for c in out
        ]


__all__ = ["HospitalRecognizer", "PlaceRecognizer", "StreetAddressRecognizer", "ZipCodeRecognizer"]
