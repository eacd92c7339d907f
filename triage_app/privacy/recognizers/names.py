"""Names of patients, relatives and clinicians, in mixed case or ALL CAPS.

Capital letters cannot be trusted (nursing notes are often upper case), so a token is a
name when a cue says so ("Dr", "Mrs", "wife", "spoke with", ", RN") or when it is in the
census name lists and is no English, clinical or function word. A name that starts a run
takes the following surname-like tokens with it.
"""

from __future__ import annotations

import re
from typing import ClassVar

from triage_app.privacy.recognizers.base import Candidate, Recognizer

_TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
EPONYM_AFTER = re.compile(
    r"(?:'s|’s|s)?\s+(?:disease|syndrome|sign|palsy|phenomenon|fracture|test|maneuver|manoeuvre|reflex|triad|"
    r"ulcer|criteria|score|scale|catheter|collar|tube|bag|line|drain|dressing|procedure|operation|repair|"
    r"solution|stockings|boots|classification|coma|law|node|nodes|cells?(?!\s*(?:[#:(]|\d|phone|number|no\b))|lymphoma|sarcoma|esophagus|"
    r"contracture|cyst|hernia|diverticulum|encephalopathy|chorea|dementia|ataxia|dystrophy|anomaly|mask|valve|"
    r"incision|position|respirations|breathing|pouch|graft|shunt|filter|clamp|forceps|retractor|rule|rules|"
    r"maneuvre|method|technique|formula|equation|stain|agar|medium|needle|tip|blade|bandage|splint|frame|device)\b",
    re.IGNORECASE,
)


#: Endings of drug names: a capitalised unknown word ending so is a drug, not a name.
_DRUG_SUFFIX = re.compile(
    r"(?:mycin|micin|cillin|cef\w*|pril|olol|alol|azole|statin|sartan|dipine|prazole|tidine|parin|floxacin|cycline|"
    r"vir|mab|nib|zumab|ximab|afil|azepam|zolam|triptan|setron|profen|oxacin|penem|dronate|gliptin|gliflozin|"
    r"glitazone|lukast|terol|sonide|asone|olone|thiazide|semide|tropium|curonium|caine|phylline|amine|idine|"
    r"ase|ex|ix|ol|yl|an|in|ine|one|ide|ate|il|um|on|en)$"
)
#: Endings of clinical adjectives and nouns ("transvenous", "pleural"): never a name by list position.
_CLINICAL_ENDING = re.compile(r"(?:ous|al|ic|ive|ary|ion|ia|itis|osis|oma|emia|ular|ery|ology|ase|gram)$")
#: Words after a name that say a clinician or relative was told or acted.
_AFTER_NAME = re.compile(
    r"\s*(?:,\s*)?(?:aware|notified|paged|made\s+aware|informed|updated|called|in\s+to\s+see|at\s+bedside|"
    r"ordered|placed|spoke|saw|examined|consulted|wants|states|stated|said|here|visited|contacted|agrees|"
    r"agreed|requests|requested|will\s+call|to\s+call|returned|rounded|responded|came|was\s+called|in\s+to)\b",
    re.IGNORECASE,
)


#: Verbs that typically follow a patient's name in a note and are also surnames ("Mr Smith fell").
#: In mixed-case text, written in lowercase after a capitalised name, they end the name.
VERBS_AFTER_NAME = frozenset(
    {"fell", "falls", "fall", "tripped", "slipped", "collapsed", "rose", "woke", "went", "came", "walked", "presents",
     "presented", "reports", "reported", "states", "stated", "says", "said", "complains", "complained", "denies",
     "denied", "arrived", "attended", "brought", "found", "hit", "cut", "burned", "burnt", "vomited", "fainted"}
)


def _capitalised(word: str) -> bool:
    """"Smith", not "smith" or "SMITH"."""
    return word[:1].isupper() and not word.isupper()


class NameRecognizer(Recognizer):
    """Personal names. ``PATTERNS`` are the cue phrases; ``CONTEXT`` the relation words."""

    LABEL = "NAME"
    TITLES: ClassVar[tuple[str, ...]] = (
        "dr", "drs", "doctor", "mr", "mrs", "ms", "miss", "mister", "mx", "prof", "professor", "rev", "reverend",
        "fr", "father", "nurse", "sir", "dame", "lady", "lord", "capt", "captain", "sgt", "judge",
    )
    CREDENTIALS: ClassVar[tuple[str, ...]] = (
        "rn", "bsn", "msn", "lpn", "lvn", "cna", "md", "do", "np", "fnp", "anp", "acnp", "pa", "pa-c", "rrt", "crt",
        "rt", "msw", "licsw", "lcsw", "sw", "pharmd", "rph", "dpt", "otr", "ccrn", "phd", "mbbs", "frcp", "mrcp",
        "dds", "dmd", "cnm", "crna", "aprn", "emt", "paramedic", "rd", "slp", "ccc",
    )
    #: Family relations: after these, any word that is not an everyday word is a name.
    FAMILY: ClassVar[frozenset[str]] = frozenset(
        {"wife", "husband", "spouse", "partner", "daughter", "daughters", "dtr", "son", "sons", "mother", "mom", "mum",
         "father", "dad", "sister", "sisters", "sis", "brother", "brothers", "bro", "nephew", "niece", "aunt", "uncle",
         "cousin", "grandson", "granddaughter", "grandmother", "grandfather", "grandma", "grandpa", "granddtr",
         "stepson", "stepdaughter", "stepmother", "stepfather", "fiance", "fiancee", "girlfriend", "boyfriend", "proxy", "hcp"}
    )
    #: Roles that are never clinical shorthand: any census surname after them is a name.
    STRONG_ROLES: ClassVar[frozenset[str]] = frozenset(
        {"ho", "resident", "intern", "fellow", "attending", "chaplain", "pastor", "rabbi", "lawyer", "attorney"}
    )
    #: Roles written before a name like a title.
    ROLE_TITLES: ClassVar[frozenset[str]] = frozenset(
        {"ho", "np", "rn", "pa", "md", "resident", "intern", "fellow", "attending", "sw", "chaplain", "pastor", "rabbi", "lawyer", "attorney", "pcp"}
    )
    #: Credentials that are also clinical shorthand (NP = nasal prong, PA = pulmonary artery).
    WEAK_CREDENTIALS: ClassVar[frozenset[str]] = frozenset(
        {"np", "pa", "do", "rt", "sw", "rd", "md", "emt", "crt", "ccc", "slp", "phd", "cnm", "dds"}
    )
    CONTEXT: ClassVar[tuple[str, ...]] = (
        "wife", "husband", "spouse", "partner", "daughter", "daughters", "dtr", "son", "sons", "mother", "mom", "mum",
        "father", "dad", "sister", "sisters", "sis", "brother", "brothers", "bro", "sibling", "siblings", "nephew",
        "niece", "aunt", "uncle", "cousin", "grandson", "granddaughter", "grandmother", "grandfather", "grandma",
        "grandpa", "granddtr", "stepson", "stepdaughter", "stepmother", "stepfather", "friend", "friends",
        "neighbor", "neighbour", "fiance", "fiancee", "fiancé", "fiancée", "girlfriend", "boyfriend", "gf", "bf",
        "proxy", "hcp", "guardian", "caregiver", "carer", "roommate", "companion", "significant other", "so",
        "child", "children", "kids", "family member", "in-law", "son-in-law", "daughter-in-law", "spokesperson",
        "contact", "pcp", "attending", "resident", "intern", "fellow", "surgeon", "cardiologist", "team",
    )
    PATTERNS = (
        (
            "name-is",
            r"(?i:\b(?:name\s+is|named|name\s*:|pt'?s\s+name|patient'?s\s+name|patient\s*:|pt\s*:|goes\s+by|known\s+as|aka|"
            r"called\s+herself|called\s+himself)\s*)(?P<phi>[A-Za-z])",
            0.9,
        ),
    )
    _VERB_CUE = re.compile(
        r"\b(?:called|calls|spoke\s+(?:with|to)|speaking\s+(?:with|to)|talked\s+(?:with|to)|per|paged|notified|"
        r"discussed\s+with|met\s+with|updated|informed|seen\s+by|evaluated\s+by|examined\s+by|consulted|"
        r"signed\s+out\s+to|report\s+(?:given\s+)?to|endorsed\s+to|handed\s+over\s+to|cc|c\.c\.|by|from|with|and|to|"
        r"visited\s+by|visit\s+from|accompanied\s+by|care\s+of|c/o|attn|dear|thanks|thank\s+you|regards)\s*:?\s*$",
        re.IGNORECASE,
    )

    def __init__(self, lexicon: object) -> None:
        super().__init__(lexicon)  # type: ignore[arg-type]
        self._titles = frozenset(self.TITLES)
        self._credentials = frozenset(self.CREDENTIALS)
        self._relations = frozenset(c for c in self.CONTEXT if " " not in c)

    # -- token tests -------------------------------------------------------------------
    @staticmethod
    def _base(word: str) -> str:
        w = word.lower().replace("’", "'")
        return w[:-2] if w.endswith("'s") else w

    def _is_role_word(self, w: str) -> bool:
        """A title, credential or relation ("dr", "rn", "wife"): a cue, never the name itself."""
        return w in self._titles or w in self._credentials or w in self._relations

    def _is_stop(self, word: str) -> bool:
        w = self._base(word)
        return self.lexicon.is_stopword(w) or self._is_role_word(w)

    def _lexicon_name(self, word: str) -> bool:
        w = self._base(word)
        return self.lexicon.is_name(w) and not self._is_stop(w)

    def _cue_ok(self, word: str) -> bool:
        """After a cue: any word that is not an everyday, clinical or function word."""
        w = self._base(word)
        return len(w) >= 2 and not self._is_stop(w) and not self.lexicon.is_everyday(w)

    def _unknown(self, word: str) -> bool:
        """Not a dictionary, clinical or function word (so possibly a rare surname)."""
        w = self._base(word)
        return len(w) >= 2 and not self.lexicon.is_common(w) and not self._is_stop(w)

    def _name_like(self, word: str, *, cued: bool, upper_text: bool) -> bool:
        w = self._base(word)
        if cued:
            # After a cue, anything but a function word, title or clinical word is a name;
            # a clinical word that is also a surname ("Dr Foley") counts too.
            mixed_case_name = _capitalised(word) and w in self.lexicon.first_names
            if (w in self.lexicon.function_words and not mixed_case_name) or self._is_role_word(w):
                return False
            return w not in self.lexicon.clinical or w in self.lexicon.last_names or w in self.lexicon.first_names
        # no cue: the name must be no dictionary word at all (the full word list)
        return self._lexicon_name(word) and not self.lexicon.is_common(w)

    def _surname_slot(self, word: str, prev: str) -> bool:
        """A capitalised census surname right after a cued, capitalised first name in mixed-case
        text: part of the name even when it is also a word or a clinical abbreviation ("Mrs Jane
        Doe"); not a word that is no surname ("Nurse Kate Triage", "Dr Sarah Neuro"), nor after a
        surname or a place ("from Calvert Hospital")."""
        w, p = self._base(word), self._base(prev)
        if not (_capitalised(word) and _capitalised(prev)) or len(w) < 2 or _AFTER_NAME.match(word):
            return False
        if w in self.lexicon.function_words or self._is_role_word(w) or w in VERBS_AFTER_NAME:
            return False
        return p in self.lexicon.first_names and w in self.lexicon.last_names

    def _abbreviation_like(self, text: str, start: int, end: int, word: str) -> bool:
        """QTc, FiO2, SpO2, D-dimer: camel case, glued to a digit, or a hyphen part that is a word."""
        if end < len(text) and text[end].isdigit():
            return True
        if any(c.isupper() for c in word[1:]) and "-" not in word and "'" not in word:
            return True
        if start > 0 and (text[start - 1].isdigit() or text[start - 1] == "-"):
            return True
        parts = [p for p in re.split(r"[-']", word) if p]
        return len(parts) > 1 and any(len(p) == 1 or self.lexicon.is_everyday(p) for p in parts)

    def _drug_like(self, word: str) -> bool:
        return bool(_DRUG_SUFFIX.search(word.lower()))

    def _tokens(self, text: str) -> list[tuple[int, int, str]]:
        """Word tokens. A hyphenated token stays whole only when every part could be a name
        ("Williams-Nuzzo"); "DAUGHTER-KRISSY", "CARAFATE-W", "dtr-in-law" are split."""
        tokens: list[tuple[int, int, str]] = []
        for m in _TOKEN_RE.finditer(text):
            word = m.group()
            if "-" not in word:
                tokens.append((m.start(), m.end(), word))
                continue
            parts = [(p.start() + m.start(), p.end() + m.start(), p.group()) for p in re.finditer(r"[A-Za-z][A-Za-z'’]*", word)]
            whole_ok = self._base(word) not in self.lexicon.clinical and all(
                len(p) > 1 and not self._is_stop(p) and not self.lexicon.is_everyday(self._base(p)) for _, _, p in parts
            )
            if whole_ok or self._base(word) in self.lexicon.clinical:
                tokens.append((m.start(), m.end(), word))
            else:
                tokens.extend(parts)
        return tokens

    # -- analysis ----------------------------------------------------------------------
    def analyze(self, text: str) -> list[Candidate]:
        tokens = self._tokens(text)
        if not tokens:
            return []
        letters = [c for c in text if c.isalpha()]
        upper_text = sum(c.isupper() for c in letters) > 0.6 * max(1, len(letters))
        marks: dict[int, float] = {}  # token index -> score

        def gap(i: int) -> str:
            """Characters between token i and token i+1."""
            return text[tokens[i][1] : tokens[i + 1][0]] if i + 1 < len(tokens) else ""

        def take_run(i: int, score: float, *, first_cued: bool, max_len: int = 3) -> None:
            """Mark token i (if name-like) and the surname-like tokens that follow it."""
            n = 0
            while i < len(tokens) and n < max_len:
                word = tokens[i][2]
                if n > 0:
                    g = gap(i - 1)
                    # a full stop continues a name only after an initial ("E. Welsh")
                    dot_ok = len(tokens[i - 1][2]) == 1 or tokens[i - 1][2].lower() in self._titles
                    # "SMITH, John": surname, comma, first name
                    comma_first = g in (", ", ",") and self._base(word) in self.lexicon.first_names and n == 1
                    if not comma_first and (
                        not re.fullmatch(r"\.?\s{1,2}|\s?-\s?|\.", g) or "\n" in g or (g.startswith(".") and not dot_ok)
                    ):
                        break
                cued = first_cued and n == 0
                # In mixed-case text a name run is capitalised: a lowercase verb that typically
                # follows a name ends it ("Mr John Smith fell": "Fell" is also a surname), and a
                # capitalised surname after a cued first name continues it even when it is a word
                # ("Mrs Jane Doe"). A lowercase surname still continues it ("wife Mary brown").
                prev = tokens[i - 1][2] if n > 0 else ""
                lead = tokens[i - n][2]  # the run's first word
                capitalised_run = n > 0 and not upper_text and _capitalised(lead)
                if word.islower() and self._base(word) in VERBS_AFTER_NAME and (capitalised_run or n >= 2):
                    break  # (in lowercase text only after a first and a last name: "mr john smith fell")
                after = text[tokens[i][1] : tokens[i][1] + 2]
                initial = len(word) == 1 and (after[:1] == "." or (n == 0 and first_cued and after[:1] in (" ", "") and after[1:2].isalpha()))
                if initial and (word.lower() not in ("a", "i") or first_cued):
                    marks[i] = max(marks.get(i, 0.0), score)
                elif n == 0 and self._name_like(word, cued=cued, upper_text=upper_text):
                    marks[i] = max(marks.get(i, 0.0), score)
                elif first_cued and capitalised_run and self._surname_slot(word, prev):
                    marks[i] = max(marks.get(i, 0.0), score)
                elif n > 0 and not self._is_stop(word) and (
                    self._lexicon_name(word) and not self.lexicon.is_everyday(self._base(word))
                    or self._unknown(word)
                    or (first_cued and self.lexicon.is_name(self._base(word)) and not _AFTER_NAME.match(word) and len(word) > 2)
                    # "john smith", "John Brown": a frequent surname after a first name, even if a word
                    or (
                        self._base(tokens[i - 1][2]) in self.lexicon.first_names
                        and self._base(word) in self.lexicon.frequent_names
                        and self._base(word) in self.lexicon.last_names
                        and not _AFTER_NAME.match(word)
                        and self._base(word) not in self.lexicon.function_words
                        and len(word) > 2
                    )
                    or (not upper_text and _capitalised(word) and not self.lexicon.is_everyday(self._base(word)))
                ):
                    marks[i] = max(marks.get(i, 0.0), score)
                else:
                    break
                n += 1
                i += 1

        for i, (start, end, word) in enumerate(tokens):
            low = self._base(word)
            nxt = i + 1
            # 1. Titles: "Dr. Smith", "MRS BRUCER", "mr.renzi"
            if low in self._titles and nxt < len(tokens):
                g = gap(i)
                if re.fullmatch(r"\.?\s{0,3}", g) and "\n" not in g:
                    cand = tokens[nxt][2]
                    # "ms" is also "mental status" / "multiple sclerosis": it needs a name-like word
                    weak_title = low in ("ms", "father", "nurse", "lady", "judge", "fr") and not (g.startswith(".") or word[:1].isupper() and not upper_text)
                    if not weak_title or self._lexicon_name(cand) or self._cue_ok(cand) or len(cand) == 1:
                        take_run(nxt, 0.9, first_cued=True)
            # 1b. Roles used as titles: "HO SCHWARZ", "NP grace made aware", "resident Dr Lee"
            if low in self.ROLE_TITLES and nxt < len(tokens) and re.fullmatch(r"\.?\s{1,2}", gap(i)):
                cand = tokens[nxt][2]
                cbase = self._base(cand)
                if not self._is_stop(cand) and (
                    self._unknown(cand)
                    or (cbase in self.lexicon.first_names and not self.lexicon.is_everyday(cbase))
                    or (cbase in self.lexicon.last_names and low in self.STRONG_ROLES)
                    or (cbase in self.lexicon.first_names and _AFTER_NAME.match(text, tokens[nxt][1]) is not None)
                ):
                    take_run(nxt, 0.8, first_cued=True)
            # 2. Credentials after: "Jean Hudson, RN", "HERMAN W. EMPERATRICE, RRT"
            if low in self._credentials and i > 0:
                g = text[tokens[i - 1][1] : start]
                prev = tokens[i - 1]
                weak = low in self.WEAK_CREDENTIALS and "," not in g
                attached_to_number = prev[0] > 0 and text[prev[0] - 1].isdigit()
                if weak and not (self._lexicon_name(prev[2]) and len(prev[2]) > 1 or self._unknown(prev[2]) and len(prev[2]) > 2):
                    pass
                elif re.fullmatch(r"\s*,?\s*", g) and "\n" not in g and not attached_to_number:
                    j = i - 1
                    run: list[int] = []
                    while j >= 0 and len(run) < 3:
                        w = tokens[j][2]
                        if not self._name_like(w, cued=True, upper_text=upper_text) or (
                            self.lexicon.is_everyday(self._base(w)) and not self.lexicon.is_name(self._base(w)) and len(w) > 1
                        ):
                            break
                        run.append(j)
                        if j == 0:
                            break
                        g2 = text[tokens[j - 1][1] : tokens[j][0]]
                        if not re.fullmatch(r"\.?\s{1,2}|-", g2):
                            break
                        j -= 1
                    for k in run:
                        marks[k] = max(marks.get(k, 0.0), 0.85)
            # 3. Relations: "wife Carol", "daughter is mrs. marcela carlson", "sons David and Theodore"
            if low in self._relations and nxt < len(tokens):
                k = nxt
                # skip connecting words: "is", "named", ",", "(", "mrs."
                while k < len(tokens) and self._base(tokens[k][2]) in ("is", "named", "name", "called", "mrs", "mr", "ms", "miss", "was", "the", "his", "her", "their", "pt's", "in", "law", "laws"):
                    k += 1
                if k < len(tokens) and k - nxt <= 3 and "\n" not in text[end : tokens[k][0]]:
                    cand = tokens[k][2]
                    base = self._base(cand)
                    # "wife Carol", "SON ROB": a first name even if also a word; "daughter states": no
                    if (
                        (base in self.lexicon.first_names and not self._is_stop(cand))
                        or (base in self.lexicon.first_names and base not in self.lexicon.function_words and re.match(r"\s*[,)]", text[tokens[k][1] :]))
                        or (self._lexicon_name(cand) and not self.lexicon.is_everyday(base))
                        or (self._cue_ok(cand) if low in self.FAMILY else self._unknown(cand))
                    ):
                        take_run(k, 0.85, first_cued=True)
            # 4. Verbs: "spoke with Carol", "per Jenks", "called by son Bill"
            if low not in self._titles and i > 0 and self._VERB_CUE.search(text, max(0, start - 30), start):
                if (self._lexicon_name(word) and (not self.lexicon.is_common(low) or (not upper_text and word[:1].isupper() and low in self.lexicon.first_names))) or (
                    self._unknown(word) and (not upper_text and word[:1].isupper() and not word.isupper())
                ):
                    take_run(i, 0.75, first_cued=True)
            # 5a. Initials: "E. WELSH AWARE", "per B. Kargas", "J SMITH ORDERED"
            # (not the last letter of "A&O.", "O/N.", "R.R.": an abbreviation ends there, not an initial;
            # nor "R." / "L." before an ordinary word: a side, "R. BASE")
            in_abbreviation = start > 0 and text[start - 1] in "/&."
            side_marker = word in ("R", "L") and nxt < len(tokens) and self.lexicon.is_common(self._base(tokens[nxt][2]))
            if len(word) == 1 and word.isupper() and nxt < len(tokens) and word not in ("A", "I") and not in_abbreviation and not side_marker:
                g = gap(i)
                nword = tokens[nxt][2]
                if re.fullmatch(r"\.\s?|\s", g) and not self._is_stop(nword) and len(nword) > 1:
                    if (g.startswith(".") and (not self.lexicon.is_everyday(self._base(nword)) or self._base(nword) in self.lexicon.last_names)) or (
                        _AFTER_NAME.match(text, tokens[nxt][1]) and (self._unknown(nword) or self.lexicon.is_name(self._base(nword)))
                    ) or (
                        self._VERB_CUE.search(text, max(0, start - 30), start) and g.startswith(".")
                    ):
                        marks[i] = max(marks.get(i, 0.0), 0.8)
                        take_run(nxt, 0.8, first_cued=True, max_len=2)
            # 5b. Before "aware" / "notified": "grace dudak aware", "DR X NOTIFIED"
            acronym = not upper_text and word.isupper() and len(word) <= 4
            if _AFTER_NAME.match(text, end) and len(low) > 1 and not self._is_stop(word) and not acronym:
                if self._unknown(word) or self._lexicon_name(word) and not self.lexicon.is_everyday(low):
                    marks[i] = max(marks.get(i, 0.0), 0.7)
                    if i > 0 and re.fullmatch(r"\s{1,2}", gap(i - 1)) and (
                        self._base(tokens[i - 1][2]) in self.lexicon.first_names and not self._is_stop(tokens[i - 1][2])
                    ):
                        marks[i - 1] = max(marks.get(i - 1, 0.0), 0.7)
            # 5c. Mixed case: a capitalised word in no word list, not starting a sentence
            if (
                not upper_text
                and word[:1].isupper()
                and not word.isupper()
                and len(low) >= 3
                and self._unknown(word)
                and not self._drug_like(word)
                and not self._abbreviation_like(text, start, end, word)
                and i > 0
                and not re.search(r"[.:;!?\n]\s*$|^\s*$", text[max(0, start - 3) : start])
            ):
                marks[i] = max(marks.get(i, 0.0), 0.55)
            # 5. Lexicon: census names that are no ordinary word
            if self._name_like(word, cued=False, upper_text=upper_text) and len(low) >= 3:
                if not (not upper_text and word.isupper() and len(word) <= 4):
                    take_run(i, 0.65, first_cued=False)
        for m in self._compiled[0][1].finditer(text):
            idx = next((k for k, t in enumerate(tokens) if t[0] == m.start("phi")), None)
            if idx is not None:
                take_run(idx, 0.9, first_cued=True)

        # "Radu Crosson", "Lopie Certusi": an unknown or first-name word right before a name joins it
        for i in sorted(marks, reverse=True):
            j = i - 1
            if j >= 0 and j not in marks and re.fullmatch(r" {1,2}", text[tokens[j][1] : tokens[i][0]]):
                w = tokens[j][2]
                b = self._base(w)
                if not self._is_stop(w) and len(b) > 1 and (
                    (self._unknown(w) and (upper_text or w[:1].isupper())) or (b in self.lexicon.first_names and not self.lexicon.is_everyday(b))
                ):
                    marks[j] = marks[i]
                # "per d ross", "by j smith": a lone initial after a verb cue or title joins the name
                elif (
                    len(w) == 1
                    and b not in ("a", "i")
                    and j > 0
                    and (self._VERB_CUE.search(text, max(0, tokens[j][0] - 30), tokens[j][0]) or self._base(tokens[j - 1][2]) in self._titles)
                ):
                    marks[j] = marks[i]

        # "Lopie Certusi" (mixed case): a capitalised word in no word list right after a name joins it
        if not upper_text:
            for i in sorted(marks):
                j = i + 1
                if j < len(tokens) and j not in marks and re.fullmatch(r" {1,2}", gap(i)):
                    start, end, w = tokens[j]
                    if (
                        w[:1].isupper()
                        and not w.isupper()
                        and self._unknown(w)
                        and len(w) >= 3
                        and not self._drug_like(w)
                        and not self._abbreviation_like(text, start, end, w)
                    ):
                        marks[j] = marks[i]

        # "sarah and margie", "David and Theodore", "suzette and ank": a name-list continues
        # after "and" / "&" with a name or a word no list knows
        changed = True
        while changed:
            changed = False
            for i in sorted(marks):
                for j in (i + 2,):
                    if j < len(tokens) and j not in marks and self._base(tokens[i + 1][2]) in ("and", "or", "&") and (
                        self._lexicon_name(tokens[j][2])
                        or (
                            self._base(tokens[i + 1][2]) != "or"
                            and self._unknown(tokens[j][2])
                            and len(tokens[j][2]) >= 3
                            and not self._drug_like(tokens[j][2])
                            and not _CLINICAL_ENDING.search(tokens[j][2].lower())
                        )
                    ):
                        marks[j] = marks[i]
                        changed = True

        out: list[Candidate] = []
        for i, score in marks.items():
            start, end, word = tokens[i]
            if score < 0.9 and EPONYM_AFTER.match(text, end):
                continue  # Parkinson's disease, Bell's palsy, Foley catheter
            if word.lower().endswith(("'s", "’s")):
                end -= 2
            out.append(Candidate(start, end, self.LABEL, score, self.name))
        return out


__all__ = ["EPONYM_AFTER", "NameRecognizer"]
