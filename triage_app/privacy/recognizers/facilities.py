"""Places written with ordinary words, found by their context.

Many place names in notes are made of everyday words ("Harbor", "Good Sam", "North Campus",
"General Hospital", "the Bay", "Union Memorial") that no word list can tell from clinical
English. This recognizer reads the context instead:

* generic-name hospitals: "the general hospital", "General Hospital", "County Hospital"
  (the name word only, as for every hospital: "[LOCATION_1] Hospital");
* campus parts: a compass word before campus/building/wing/tower/pavilion ("North Campus");
* a preposition and up to two words before a facility word, any case ("AT UNION MEMORIAL"),
  unless those words are generic ("outside hospital", "local hospital");
* in mixed-case text, a capitalised run after a movement or origin cue ("transferred from
  Good Sam", "went to Harbor", "surgeon from Harbor", "knows she is in Lochearn");
* a bare geographic noun used as a name: "from Harbor", "at harbor" (no article), and "at
  the Bay" / "to the Cape" (a compass-free, article-led landmark);
* an employer before an organisation word ("works for Vista Health");
* a building number then an unknown word after a transfer cue ("transferred to 209 Xyz");
* a facility word glued to a name ("SmithBuilding");
* "DC" after a residence cue or "Washington" (a city, not a state).

Everything here is rule-driven; no surrogate from any corpus is listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from triage_app.privacy.recognizers.base import Candidate, Recognizer
from triage_app.privacy.recognizers.lexicon import Lexicon
from triage_app.privacy.recognizers.names import EPONYM_AFTER

_FACILITY_WORDS = (
    r"hospital|hosp|medical\s+center|med\s+center|medical\s+ctr|memorial|clinic|infirmary|health\s+center|"
    r"nursing\s+home|rehab(?:ilitation)?\s+(?:center|hospital)|manor|hospice"
)


#: Adjectives that make "X hospital" generic, not a name ("outside hospital", "local hospital").
GENERIC_FACILITY_WORDS: frozenset[str] = frozenset(
    {
        "outside", "local", "another", "other", "different", "same", "previous", "prior", "prev", "referring",
        "nearby", "community", "teaching", "private", "psychiatric", "psych", "mental", "acute", "chronic",
        "osh", "our", "their", "his", "her", "this", "that", "a", "an", "the", "rehab", "rehabilitation",
        "any", "new", "old", "first", "second", "home", "day", "night", "care", "cardiac", "pulmonary", "to",
        "from", "at", "in", "of", "and", "or", "for", "affiliated", "specialty", "small", "large", "big",
        "main", "nursing", "long", "term", "long-term", "skilled", "assisted", "tertiary", "veterinary",
        "field", "animal", "dental", "eye", "state", "city", "county", "general", "regional", "closest",
        "nearest", "receiving", "sending", "transferring", "accepting", "original", "current", "last", "next",
    }
)


#: Endings of clinical adjectives and nouns (a place name made of words rarely ends so).
CLINICAL_SUFFIX = re.compile(r"(?:ive|al|ary|ic|ics|ology|ation|ure|ent|ant|ing|ness|ity|ism|osis|itis|emia|ment|ory)$")


def specialty_like(lexicon: Lexicon, word: str) -> bool:
    """A word that names a specialty or service ("Memory", "Walk-in", "Anticoagulation"), so
    "<word> Clinic" is a kind of clinic, not a named one."""
    parts = [p for p in re.split(r"[-']", word.lower()) if p]
    return any(lexicon.is_everyday(p) for p in parts) or (len(word) > 6 and CLINICAL_SUFFIX.search(word.lower()) is not None)


#: A dose or unit right after a word: "to levophed 5 mcg" is a drug, not a place.
_DOSE_LIKE = re.compile(r"\s*\d+(?:\.\d+)?\s*(?:mg|g|gm|mcg|ug|units?|u|ml|cc|mmol|meq|%|l\b|mg/|tabs?|puffs?)", re.IGNORECASE)


class ContextPlaceRecognizer(Recognizer):
    """Places made of ordinary words, recognised by the words around them (see module doc)."""

    LABEL = "LOCATION"
    GENERIC: ClassVar[frozenset[str]] = GENERIC_FACILITY_WORDS
    #: Capitalised words that are departments, rooms or routine places, never a place name.
    UNITS: ClassVar[frozenset[str]] = frozenset(
        {
            "home", "work", "bed", "chair", "bathroom", "church", "school", "sleep", "dinner", "lunch", "breakfast",
            "hospice", "rehab", "floor", "unit", "ward", "room", "emergency", "department", "radiology", "surgery",
            "cardiology", "recovery", "cath", "lab", "dialysis", "endoscopy", "oncology", "neurology", "medicine",
            "pharmacy", "pathology", "pacu", "icu", "or", "er", "ed", "ct", "mri", "ir", "step", "stepdown", "down",
            "telemetry", "tele", "nursing", "psychiatry", "psych", "ob", "labor", "delivery", "nicu", "picu",
            "clinic", "hospital", "office", "physical", "therapy", "pt", "ot", "social", "services", "service",
            "admitting", "admissions", "triage", "urgent", "care", "primary", "intensive", "critical", "medical",
            "surgical", "general", "outside", "the", "a", "an", "his", "her", "their", "our", "my", "this", "that",
            "today", "tomorrow", "tonight", "yesterday", "monday", "tuesday", "wednesday", "thursday", "friday",
            "saturday", "sunday", "january", "february", "april", "june", "july", "august", "september", "october",
            "november", "december", "bedside", "shower", "commode", "toilet", "wheelchair", "stretcher", "sitting",
            "standing", "walking", "transplant", "vascular", "interventional", "operating", "holding", "pre-op",
            "post-op", "preop", "postop", "procedure", "procedures", "echo", "ultrasound", "nuclear", "imaging",
            "mental", "health", "family", "friends", "friend", "mom", "dad", "baseline", "normal", "sinus", "hosp",
            "campus", "building", "center", "centre", "memorial", "infirmary", "manor", "bay", "pod", "high",
            "dependency", "day", "short", "stay", "assessment", "observation", "ambulatory", "acute",
            "chemist", "gym", "pool", "store", "shop", "supermarket", "restaurant", "bar", "park",
        }
    )
    _COMPASS = r"north|south|east|west|northern|southern|eastern|western|upper|lower|central|main"

    _GENERIC_HOSPITAL = re.compile(
        r"(?P<cue>\b(?:the|to|at|from|in|into)\s+)?\b(?P<phi>general|county|city|community|regional|municipal|district|state|memorial)\s+"
        r"(?:hospital|hosp|medical\s+center|med\s+center|infirmary)\b",
        re.IGNORECASE,
    )
    _CAMPUS = re.compile(r"\b(?P<phi>" + _COMPASS + r")\s+(?:campus|building|bldg|wing|tower|pavilion|annex)\b", re.IGNORECASE)
    _PREP_FACILITY = re.compile(
        r"\b(?:at|from|to|in|into|near)\s+(?P<phi>[A-Za-z][A-Za-z'.-]*(?:\s+[A-Za-z][A-Za-z'.-]*)?)\s+(?P<facility>" + _FACILITY_WORDS + r")\b",
        re.IGNORECASE,
    )
    #: Movement or origin cues after which a capitalised run (mixed-case text) is a place.
    _CUE = re.compile(
        r"(?:\b(?:transferred|transfer|transf|txd|txfr|admitted|sent|came|comes|arrived|referred|brought|flown|"
        r"medflighted|returned|return|discharged|discharge|d/c'?d|followed|seen|treated|presented|went|go|goes|going|"
        r"drove|driven|moved|moving|travell?ed|flew|visiting|vacationing|vacation|trip|lives|living|resides|"
        r"residing)\s+(?:back\s+)?(?:home\s+)?(?:from|to|at|in|into|near)"
        r"|\b(?:surgeon|surgeons|doctor|doctors|physician|physicians|md|mds|nurse|nurses|team|staff|someone|"
        r"people|ambulance|ems|paramedics|transport|medflight|pcp|cardiologist|oncologist|hospitalist|records|"
        r"chart|films|friends?|meeting)\s+(?:from|at)"
        r"|\b(?:is|was|he's|she's|i'm|im|am|are|were|being)\s+(?:now\s+|still\s+)?(?:in|at))[ \t]+(?:the[ \t]+)?(?-i:(?=[A-Z][a-z]))",
        re.IGNORECASE,
    )
    #: A movement cue before a word in one case (upper- or lower-case writing).
    _MOVE_CUE = re.compile(
        r"\b(?:transferred|transfer|txd|txfr|admitted|sent|came|arrived|referred|brought|flown|medflighted|returned|"
        r"discharged|went|go|going)\s+(?:back\s+)?(?:from|to|at)[ \t]+(?:the[ \t]+)?",
        re.IGNORECASE,
    )
    _STATE_VERBS: ClassVar[frozenset[str]] = frozenset({"is", "was", "he's", "she's", "i'm", "im", "am", "are", "were", "being"})
    _CLINICAL_SUFFIX = CLINICAL_SUFFIX
    _SERVICE_AFTER = re.compile(r"\s+(?:clinic|center|centre|service|services|unit|department|dept|program|lab|team|care)\b", re.IGNORECASE)
    _ANY_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
    _TITLE_WORD = re.compile(r"[A-Z][a-z][A-Za-z'-]*")
    #: Geographic nouns that, bare after a preposition, are a place's name ("from Harbor").
    _BARE = re.compile(
        r"\b(?P<prep>at|from|near|to|in)\s+(?P<phi>harbou?r|shore|cape|heights|hills|valley|ridge|glen|beach|bay|coast|vineyard)\b"
        r"(?!\s*(?:\d|area|bed|door|side|-))",
        re.IGNORECASE,
    )
    _THE_LANDMARK = re.compile(
        r"\b(?P<prep>at|from|near|to|in|on)\s+the\s+(?P<phi>bay|harbou?r|cape|shore|islands?|vineyard|valley|heights|coast|lake|"
        r"mountains|hills|point|beach)\b(?!\s*(?:\d|area|bed|door|side|of\b|-))",
        re.IGNORECASE,
    )
    #: Landmarks that, with "the", usually name one region ("the Bay", "the Cape", "the Vineyard").
    _NICKNAMES: ClassVar[frozenset[str]] = frozenset({"bay", "cape", "vineyard", "harbor", "harbour", "islands", "heights"})
    _MOVE_BEFORE = re.compile(
        r"\b(?:go|goes|going|went|gone|get|got|drive|drove|driven|travel\w*|fly|flew|flown|move|moved|moving|back|"
        r"return\w*|transfer\w*|sent|brought|home|trip|visit\w*|vacation\w*|live[sd]?|living)\s+$",
        re.IGNORECASE,
    )
    _EMPLOYER = re.compile(
        r"\b(?:works?|worked|working|employed|retired|job)\s+(?:for|at|by|from|with)\s+(?:the\s+)?"
        r"(?P<phi>(?:[A-Za-z][A-Za-z&'.-]*\s+){0,3}(?:health|healthcare|hospital|systems?|inc|corp|corporation|company|co|"
        r"bank|group|associates|partners|university|college|labs|laboratories|industries|airlines?|motors|electric|"
        r"insurance|pharmaceuticals|pharma|foundation))\b",
        re.IGNORECASE,
    )
    _NUMBERED = re.compile(
        r"\b(?:transferred|transfer|txd|moved|sent|going|go|went|returned|admitted)\s+(?:back\s+)?(?:to|from)\s+"
        r"(?:the\s+)?\d{1,4}\s+(?P<phi>[A-Za-z][A-Za-z'-]{3,})\b",
        re.IGNORECASE,
    )
    _GLUED = re.compile(r"\b(?P<phi>[A-Z][a-z]{2,}(?:Building|Bldg|Hospital|Center|Centre|Clinic|Campus|Pavilion|Tower|Memorial))\b")
    _DC = re.compile(
        r"(?i:\b(?:lives|living|resides|residing|moved|home|born|washington),?\s+(?:in\s+|to\s+)?)(?P<phi>D\.C\.|DC)(?![\w'])"
    )

    def _plain(self, word: str) -> bool:
        """A clinical or function word, a unit/department word, or too short to be a name."""
        w = word.lower().removesuffix("'s")
        return len(w) < 2 or self.lexicon.is_stopword(w) or w in self.UNITS

    def _specialty_like(self, word: str) -> bool:
        return specialty_like(self.lexicon, word)

    def analyze(self, text: str) -> list[Candidate]:
        out: list[Candidate] = []
        letters = [c for c in text if c.isalpha()]
        upper_text = sum(c.isupper() for c in letters) > 0.6 * max(1, len(letters))
        add = out.append
        for m in self._GENERIC_HOSPITAL.finditer(text):
            word = m.group("phi")
            if m.group("cue") or (not upper_text and word[:1].isupper() and not word.isupper()):
                add(Candidate(m.start("phi"), m.end("phi"), self.LABEL, 0.7, self.name))
        for m in self._CAMPUS.finditer(text):
            add(Candidate(m.start("phi"), m.end("phi"), self.LABEL, 0.7, self.name))
        for m in self._PREP_FACILITY.finditer(text):
            words = list(re.finditer(r"[A-Za-z][A-Za-z'.-]*", m.group("phi")))
            # drop leading generic words ("at the local X hospital" never gets here; "at outside hospital" stops)
            kept = [w for w in words]
            while kept and kept[0].group().lower().strip(".") in self.GENERIC:
                kept.pop(0)
            if not kept or any(self._plain(w.group().strip(".")) or w.group().lower() in self.GENERIC for w in kept):
                continue
            if not m.group("facility").lower().startswith(("hosp", "med", "memorial")) and any(
                self._specialty_like(w.group().strip(".")) for w in kept
            ):
                continue  # "seen in Memory Clinic", "to Fracture Clinic": a specialty, not a name
            if "\n" in m.group("phi"):
                continue
            base = m.start("phi")
            end = base + kept[-1].end()
            tail = text[m.end("phi") : m.end()]
            if tail.strip().lower() == "memorial":
                end = m.end()  # "Union Memorial": Memorial is part of the name
            add(Candidate(base + kept[0].start(), end, self.LABEL, 0.7, self.name))
        if not upper_text:
            self._capitalised_after_cue(text, out)
        self._anchored_after_cue(text, out)
        for m in self._BARE.finditer(text):
            word = m.group("phi")
            prep = m.group("prep").lower()
            titled = word[:1].isupper() and not upper_text
            before = text[max(0, m.start() - 30) : m.start()]
            if word.lower() == "bay" and not titled:
                continue  # "keep it at bay", "back to bay 4"
            if prep in ("to", "in") and not (titled or (word.isupper() and self._MOVE_BEFORE.search(before))):
                if not self._MOVE_BEFORE.search(before):
                    continue  # "likely to harbor bacteria"
            if word.islower() and not text.islower() and prep in ("to", "in"):
                continue
            add(Candidate(m.start("phi"), m.end("phi"), self.LABEL, 0.65, self.name))
        for m in self._THE_LANDMARK.finditer(text):
            word = m.group("phi")
            prep = m.group("prep").lower()
            titled = word[:1].isupper() and not upper_text
            if word.lower() in ("bay", "point") and not titled and prep not in ("at", "from", "near"):
                continue  # "back to the bay", "to the point"
            if word.lower() == "point" and not titled:
                continue
            if word.islower() and not text.islower():
                continue  # mixed-case text writes a named landmark with a capital
            if not titled and word.lower() not in self._NICKNAMES:
                continue  # "fell asleep on the beach", "AT THE LAKE": a kind of place, not a name
            add(Candidate(m.start("phi"), m.end("phi"), self.LABEL, 0.6, self.name))
        for m in self._EMPLOYER.finditer(text):
            words = m.group("phi").split()
            if len(words) < 2 or all(self.lexicon.is_stopword(w) for w in words[:-1]):
                continue
            add(Candidate(m.start("phi"), m.end("phi"), self.LABEL, 0.6, self.name))
        for m in self._NUMBERED.finditer(text):
            word = m.group("phi")
            lw = word.lower()
            if self._plain(word) or self.lexicon.is_common(lw) or (lw.endswith("s") and self.lexicon.is_common(lw[:-1])):
                continue
            if EPONYM_AFTER.match(text, m.end("phi")):
                continue
            add(Candidate(m.start("phi"), m.end("phi"), self.LABEL, 0.6, self.name))
        for m in self._GLUED.finditer(text):
            add(Candidate(m.start("phi"), m.end("phi"), self.LABEL, 0.6, self.name))
        for m in self._DC.finditer(text):
            add(Candidate(m.start("phi"), m.end("phi"), self.LABEL, 0.65, self.name))
        return out

    def _anchored_after_cue(self, text: str, out: list[Candidate]) -> None:
        """Case-less writing ("TRANSFERRED FROM GOOD SAM", "went to good sam"): after a movement
        cue, up to three non-clinical words, when the last is a name or a word no list knows;
        the everyday words before it go with it."""
        lex = self.lexicon
        for cue in self._MOVE_CUE.finditer(text):
            words: list[tuple[int, int]] = []
            for w in self._adjacent_words(text, cue.end(), self._ANY_WORD):
                token = w.group()
                if len(words) >= 3 or not (token.isupper() or token.islower()):
                    break
                low = token.lower()
                if len(low) < 2 or lex.is_stopword(low) or low in self.UNITS or low in self.GENERIC or low in lex.states:
                    break
                words.append(w.span())
            # the run ends at its last name-like word; a run of ordinary words alone is no place
            last = max(
                (i for i, (s, e) in enumerate(words) if len(text[s:e]) >= 3 and not lex.is_common(text[s:e]) and not lex.is_everyday(text[s:e])),
                default=None,
            )
            if last is None or last == 0:
                continue  # one name-like word alone is the other recognizers' call
            run = words[: last + 1]
            tokens = [text[s:e] for s, e in run]
            if any(lex.is_common(t) and CLINICAL_SUFFIX.search(t.lower()) for t in tokens):
                continue
            if EPONYM_AFTER.match(text, run[-1][1]) or _DOSE_LIKE.match(text, run[-1][1]):
                continue
            out.append(Candidate(run[0][0], run[-1][1], self.LABEL, 0.6, self.name))

    _WORD_GAP = re.compile(r" {1,2}")

    @classmethod
    def _adjacent_words(cls, text: str, pos: int, word: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Words matching ``word`` that start exactly at ``pos`` and follow each other with 1-2 spaces."""
        for w in word.finditer(text, pos):
            if w.start() != pos:
                return
            yield w
            gap = cls._WORD_GAP.match(text, w.end())
            if not gap:
                return
            pos = gap.end()

    def _capitalised_after_cue(self, text: str, out: list[Candidate]) -> None:
        """Mixed-case text: a run of capitalised words right after a movement/origin cue."""
        for cue in self._CUE.finditer(text):
            run: list[tuple[int, int]] = []
            for w in self._adjacent_words(text, cue.end(), self._TITLE_WORD):
                if len(run) >= 4 or self._plain(w.group()) or w.group().lower() in self.GENERIC:
                    break
                run.append(w.span())
            if not run:
                continue
            if re.match(r"\s*\d", text[run[-1][1] :]) and any(self.lexicon.is_everyday(text[s:e]) for s, e in run):
                continue  # "moved to Bay 4", "back to Room 12": a bed space, not a place name
            words = [text[s:e] for s, e in run]
            if cue.group().split()[0].lower() in self._STATE_VERBS and any(self.lexicon.is_common(w) for w in words):
                continue  # "is in Good spirits", "is at Risk": a state, not a place
            if any(self.lexicon.is_common(w) and self._CLINICAL_SUFFIX.search(w.lower()) for w in words):
                continue  # "went to Palliative Care", "is in Atrial Fibrillation"
            if self._SERVICE_AFTER.match(text, run[-1][1]) and any(self._specialty_like(w) for w in words):
                continue  # "seen in Memory Clinic": a specialty clinic, not a named place
            # "Good Sam Hospital": the facility word stays (the hospital recognizer's rule)
            end = run[-1][1]
            if EPONYM_AFTER.match(text, end):
                continue
            first = text[run[0][0] : run[0][1]]
            if len(run) == 1 and len(first) < 3:
                continue
            if all(text[s:e].lower() in self.lexicon.states for s, e in run):
                continue  # "lives in Maryland", "moved to North Carolina": state level is allowed
            out.append(Candidate(run[0][0], end, self.LABEL, 0.7, self.name))


__all__ = ["CLINICAL_SUFFIX", "GENERIC_FACILITY_WORDS", "ContextPlaceRecognizer", "specialty_like"]
