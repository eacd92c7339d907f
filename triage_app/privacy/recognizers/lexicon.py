"""Word lists the recognizers consult: names, English words, clinical stoplist, places.

Sources (all offline, loaded once per process):

* first and last names: the 1990 US census name lists (public domain) as shipped in the
  PyPI package ``names``;
* English words: Webster's 2nd International word list (public domain) as shipped in the
  PyPI package ``english-words``; only its lower-case entries, so proper nouns stay out;
* ``resources/redaction/*.txt``: extra ordinary words the dictionary lacks, the clinical stoplist (drugs, eponyms, anatomy, clinical
  words and abbreviations), function words, hospital abbreviations and place names.
"""

from __future__ import annotations

import functools
import pickle
import re
from dataclasses import dataclass
from importlib import resources as importlib_resources
from pathlib import Path

from triage_app.core.errors import DependencyError
from triage_app.core.paths import resources_dir


def redaction_resources_dir() -> Path:
    """Folder with the redaction word lists (``resources/redaction``)."""
    return resources_dir() / "redaction"


def read_word_list(path: Path) -> frozenset[str]:
    """Lower-cased, whitespace-separated entries of a word list; ``#`` starts a comment."""
    words: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        words.update(line.split("#", 1)[0].lower().split())
    return frozenset(words)


@dataclass(frozen=True)
class Lexicon:
    """Immutable word sets, all lower case.

    Attributes:
        first_names: Given names.
        last_names: Family names.
        frequent_names: The most frequent first and last names (never read as an inflected word).
        frequent_english: Everyday English words (about 12k): a census name that is one of these
            ("park", "bill") needs a cue; one that is only a rare dictionary word ("tyro") does not.
        english: Common English words (lower-case dictionary entries).
        clinical: Clinical words that must never be taken for a name or place.
        function_words: Articles, prepositions, pronouns and the like.
        hospitals: Hospital and unit abbreviations that identify a place (``MGH``).
        places: Cities and towns below state level.
        states: US states and their abbreviations (allowed under Safe Harbor).
    """

    first_names: frozenset[str]
    last_names: frozenset[str]
    frequent_names: frozenset[str]
    frequent_english: frozenset[str]
    english: frozenset[str]
    clinical: frozenset[str]
    function_words: frozenset[str]
    hospitals: frozenset[str]
    places: frozenset[str]
    states: frozenset[str]

    def is_name(self, word: str) -> bool:
        w = word.lower()
        return w in self.first_names or w in self.last_names

    def is_english(self, word: str) -> bool:
        """A dictionary word, also in an inflected form ("called", "visits", "notified") or a
        British spelling of one ("oedema", "centre", "haematoma", "mobilise")."""
        w = word.lower()
        if self._is_english_us(w):
            return True
        if w in self.first_names or w in self.last_names:
            return False  # "andre" is a name, not a spelling of "ander"
        us = american_spelling(w)
        return us != w and self._is_english_us(us)

    def _is_english_us(self, w: str) -> bool:
        if w in self.english:
            return True
        if w in self.frequent_names:
            return False  # "Morales", "Rogers": a frequent name is not a plural of a word
        for suffix, replacements in _INFLECTIONS:
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                stem = w[: -len(suffix)]
                if any(stem + r in self.english for r in replacements):
                    return True
                # doubled consonant: "stopped", "planning"
                if len(stem) > 3 and stem[-1] == stem[-2] and stem[:-1] in self.english:
                    return True
        return False

    def is_everyday(self, word: str) -> bool:
        """A frequent English, clinical or function word, also inflected ("parks") or in
        British spelling ("colour", "centre")."""
        w = word.lower()
        if self._is_everyday_us(w):
            return True
        if w in self.first_names or w in self.last_names:
            return False
        us = american_spelling(w)
        return us != w and self._is_everyday_us(us)

    def _is_everyday_us(self, w: str) -> bool:
        if w in self.clinical or w in self.function_words or w in self.frequent_english:
            return True
        if w in self.frequent_names:
            return False
        for suffix, replacements in _INFLECTIONS:
            if w.endswith(suffix) and len(w) - len(suffix) >= 3:
                stem = w[: -len(suffix)]
                if any(stem + r in self.frequent_english for r in replacements):
                    return True
        return False

    def is_common(self, word: str) -> bool:
        """A dictionary, clinical or function word (so not a name by itself)."""
        w = word.lower()
        return w in self.clinical or w in self.function_words or self.is_english(w)

    def is_stopword(self, word: str) -> bool:
        """A clinical or function word: never part of a name, even after "Dr"."""
        w = word.lower()
        return w in self.clinical or w in self.function_words


#: British spellings and their American forms (the dictionary is American): tried in order.
_BRITISH: tuple[tuple[re.Pattern[str], str], ...] = (
    # medical roots only, so that an unknown name with "ae"/"oe" never becomes a word
    (re.compile(r"(haem|paed|anaes|aetiol|gynae|caec|faec|orthopaed|leukaem|anaem|ischaem|septicaem|hypoxaem|uraem|aem(?=ia$))"), "<ae>"),
    (re.compile(r"(oedem|oesoph|oestr|diarrhoe|dyspnoe|apnoe|orthopnoe|foet|coeli|manoeuv|homoeo|amoeb|oncoe)"), "<oe>"),
    (re.compile(r"(?<=[a-z])our(?=s?$|ed$|ing$|ite|able)"), "or"),  # colour, behaviour, tumour, favourite
    (re.compile(r"(?<=[bcdfgklmnpstv])re(s?)$"), r"er\1"),  # centre, litres, fibre, theatre
    (re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|ation|ations)$"), r"iz\1"),  # mobilise, organisation
    (re.compile(r"(?<=[a-z]{2})ys(e|es|ed|ing)$"), r"yz\1"),  # analyse, paralysed
    (re.compile(r"ogue$"), "og"),  # catalogue
    (re.compile(r"mme$"), "m"),  # programme
)


@functools.lru_cache(maxsize=65536)
def american_spelling(word: str) -> str:
    """``word`` with British spelling patterns changed to American ones ("oedema" -> "edema")."""
    out = word
    for pattern, repl in _BRITISH:
        if repl in ("<ae>", "<oe>"):
            pair = repl[1:3]
            out = pattern.sub(lambda m, p=pair: m.group().replace(p, "e"), out)
        else:
            out = pattern.sub(repl, out)
    return out.replace("maneuvre", "maneuver")


#: Suffixes stripped to find a dictionary stem, with what may replace them.
_INFLECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ies", ("y",)),
    ("ied", ("y",)),
    ("ing", ("", "e")),
    ("ed", ("", "e")),
    ("es", ("", "e")),
    ("s", ("",)),
    ("ly", ("", "le")),
    ("er", ("", "e")),
    ("ers", ("", "e")),
    ("est", ("", "e")),
    ("ness", ("",)),
    ("ment", ("",)),
    ("ments", ("",)),
)


#: How many of the most frequent census surnames are never read as inflected words.
FREQUENT_SURNAMES = 3000


def _census_names(filename: str, limit: int | None = None) -> frozenset[str]:
    try:
        data = importlib_resources.files("names").joinpath(filename).read_text(encoding="utf-8")
    except ModuleNotFoundError as exc:  # pragma: no cover - install problem
        raise DependencyError(
            "The name lexicon (package 'names') is not installed.", "pip install names"
        ) from exc
    lines = [line for line in data.splitlines() if line.strip()]
    return frozenset(line.split()[0].lower() for line in lines[:limit])


def _english_words() -> frozenset[str]:
    try:
        blob = importlib_resources.files("english_words").joinpath("data").joinpath("web2_alpha.pickle").read_bytes()
    except ModuleNotFoundError as exc:  # pragma: no cover - install problem
        raise DependencyError(
            "The English word list (package 'english-words') is not installed.", "pip install english-words"
        ) from exc
    # A pickle from an installed package we pin, read-only: same trust as importing its code.
    words = pickle.loads(blob)  # noqa: S301
    return frozenset(w for w in words if w.islower())


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The lexicon built from the packaged lists (cached; about 0.3 s the first time)."""
    folder = redaction_resources_dir()
    clinical = read_word_list(folder / "clinical_stoplist.txt")
    function_words = read_word_list(folder / "function_words.txt")
    names_allowed = read_word_list(folder / "not_names.txt")
    first = _census_names("dist.male.first") | _census_names("dist.female.first")
    last = _census_names("dist.all.last")
    # First names the dictionary lists as words ("mary", "lucy") count as names unless they
    # are everyday words ("will", "grace"); see common_first_names.txt.
    name_not_word = first - read_word_list(folder / "common_first_names.txt")
    extra = read_word_list(folder / "extra_words.txt")
    english = (_english_words() - name_not_word) | extra
    frequent = (read_word_list(folder / "frequent_english.txt") - name_not_word) | extra
    return Lexicon(
        first_names=frozenset(first - names_allowed),
        last_names=frozenset(last - names_allowed),
        frequent_names=frozenset((_census_names("dist.all.last", FREQUENT_SURNAMES) | first) - names_allowed),
        english=frozenset(english),
        frequent_english=frozenset(frequent),
        clinical=clinical,
        function_words=function_words,
        hospitals=read_word_list(folder / "hospitals.txt"),
        places=read_word_list(folder / "places.txt"),
        states=read_word_list(folder / "states.txt"),
    )


__all__ = ["Lexicon", "american_spelling", "default_lexicon", "read_word_list", "redaction_resources_dir"]
