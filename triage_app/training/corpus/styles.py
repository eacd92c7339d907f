"""Surface writing: how nurses, doctors, patients and relatives write the same case.

Everything here changes wording only; nothing here changes a label. The pieces (openers,
durations, negations, history, irrelevant detail, vitals formats, placeholders, typos) are
independent pools so no single template dominates.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "STYLES",
    "abbreviate",
    "history_for",
    "lowercase_keep_placeholders",
    "paraphrase",
    "add_typos",
    "demographic",
    "render_vitals",
    "render_vitals_lay",
]

STYLES: tuple[str, ...] = (
    "one_line",
    "shorthand",
    "clinical",
    "narrative",
    "lay_first",
    "lay_second",
    "lay_third",
    "nurse_note",
    "phone",
    "run_on",
)

DURATIONS: tuple[str, ...] = (
    "for 2 days",
    "since this morning",
    "since yesterday",
    "for 3 hours",
    "for about a week",
    "since last night",
    "for 4 days",
    "on and off for a week",
    "for an hour",
    "since lunchtime",
    "for 30 minutes",
    "for 5 days",
    "since Sunday",
    "for a couple of days",
    "over the last 24 hours",
    "since [DATE_1]",
    "for 10 days",
    "since waking up",
)

NEGATIONS: tuple[tuple[str, str, str], ...] = (
    # (text, family in which it would contradict the picture, stems that must not appear in the case)
    ("denies chest pain", "cardiovascular", "chest|cp|angina|cardiac"),
    ("no chest pain", "cardiovascular", "chest|cp|angina|cardiac"),
    ("no LOC", "neurological", "loc|conscious|unrespons|wake|faint|passed out|collapse|blacked"),
    ("no loss of consciousness", "neurological", "loc|conscious|unrespons|wake|faint|passed out|collapse|blacked"),
    ("denies SOB", "respiratory", "breath|sob|wheez|gasp|sats|resp|asthma|chest"),
    ("no shortness of breath", "respiratory", "breath|sob|wheez|gasp|sats|resp|asthma|chest"),
    ("no fever", "infection", "fever|temp|rigor|hot|pyrex|febrile|sepsis|chemo"),
    ("afebrile at home", "infection", "fever|temp|rigor|hot|pyrex|febrile|sepsis|chemo"),
    ("no vomiting", "gastrointestinal", "vomit|sick|n/v|throwing|nause"),
    ("no blood in stool", "gastrointestinal", "blood|bleed|melaena|stool"),
    ("denies suicidal thoughts", "mental_health", "suicid|die|harm|end it|kill"),
    ("no thoughts of self-harm", "mental_health", "suicid|die|harm|end it|kill"),
    ("no neck stiffness", "neurological", "neck|mening"),
    ("no head injury", "trauma", "head|fall|fell"),
    ("no rash", "skin", "rash|spots|hives|purpur"),
    ("no urinary symptoms", "genitourinary", "urin|wee|pee|bladder|catheter"),
    ("no PV bleeding", "obstetric_gynae", "bleed|spotting|pv"),
    ("no weakness or numbness", "neurological", "weak|numb|droop|tingl"),
    ("no recent travel", "infection", "travel|abroad|flight"),
    ("denies drug use", "toxicology", "drug|mdma|cocaine|heroin|pills|overdose|cannabis"),
    ("no allergies known", "allergy", "allerg"),
    ("no headache", "neurological", "head|migraine"),
    ("no palpitations", "cardiovascular", "palpit|racing|heart"),
)

HISTORY: tuple[str, ...] = (
    "h/o MI 2019",
    "PMHx T2DM, HTN",
    "previous appendicectomy",
    "had a stroke 5 years ago, fully recovered",
    "asthma as a child",
    "known hypothyroid",
    "PMHx nil of note",
    "no significant past history",
    "h/o depression, stable",
    "previous DVT in 2015",
    "hysterectomy 10 years ago",
    "knee replacement last year",
    "h/o kidney stones",
    "migraines as a teenager",
    "gallbladder out 2018",
    "on metformin and ramipril",
    "takes atorvastatin",
    "allergic to penicillin",
    "NKDA",
    "ex-smoker",
    "drinks 10 units a week",
    "lives alone",
    "lives with wife",
    "independent with ADLs",
)

LAY_HISTORY: tuple[str, ...] = (
    "had a heart attack a few years back, fine since",
    "I'm diabetic but it's well controlled",
    "had my appendix out as a kid",
    "takes tablets for blood pressure",
    "had asthma when little",
    "no real health problems",
    "allergic to penicillin",
    "had a mini-stroke years ago, no problems since",
)

IRRELEVANT: tuple[str, ...] = (
    "parked in the disabled bay, hope that's ok",
    "insurance card left at home",
    "had a ham sandwich for lunch",
    "came by taxi",
    "has been waiting 40 minutes",
    "wants to know about parking validation",
    "phone battery nearly dead",
    "has a dog at home that needs feeding",
    "works night shifts at a warehouse",
    "just back from a wedding",
    "asks for the wifi password",
    "missed the bus this morning",
    "daughter is on her way from work",
    "wants a glass of water",
    "is worried about missing work",
    "mentions the heating broke at home",
    "has a hospital appointment next month for something else",
    "had two coffees this morning",
)

HEDGES: tuple[str, ...] = (
    "maybe",
    "I think",
    "not sure if it's relevant but",
    "possibly",
    "sort of",
    "kind of",
    "I guess",
)

CLOSERS_CLIN: tuple[str, ...] = (
    "Please assess.",
    "For review.",
    "Waiting room.",
    "Seen by triage nurse.",
    "Awaiting doctor.",
    "Pt anxious.",
    "Accompanied by partner.",
    "Ambulant to waiting area.",
    "",
)

PLACEHOLDER_OPENERS: tuple[str, ...] = (
    "[NAME_1] brought in by daughter [NAME_2].",
    "Pt [NAME_1], MRN [ID_1].",
    "[NAME_1] ([ID_1]).",
    "Referred by GP Dr [NAME_2], letter dated [DATE_1].",
    "BIBA from [ADDRESS_1].",
    "Contact: [PHONE_1].",
    "Seen at [LOCATION_1] walk-in earlier.",
    "[NAME_1], DOB [DATE_1].",
    "NOK [NAME_2] [PHONE_1].",
    "Email on file [EMAIL_1].",
    "Transferred from [LOCATION_1].",
    "Booked online via [URL_1].",
    "Lives at [ADDRESS_1] with son [NAME_2].",
)

_ABBREV: tuple[tuple[str, str], ...] = (
    (r"\bshort(ness)? of breath\b", "SOB"),
    (r"\bbreathless(ness)?\b", "SOB"),
    (r"\bhistory of\b", "h/o"),
    (r"\bcomplains of\b", "c/o"),
    (r"\bcomplaining of\b", "c/o"),
    (r"\bnausea and vomiting\b", "N/V"),
    (r"\bloss of consciousness\b", "LOC"),
    (r"\bpatient\b", "pt"),
    (r"\bfor (\d+) days\b", r"x\1d"),
    (r"\bfor (\d+) hours\b", r"x\1h"),
    (r"\bfor (\d+) weeks\b", r"x\1/52"),
    (r"\bwith\b", "w/"),
    (r"\bwithout\b", "w/o"),
    (r"\bleft\b", "L"),
    (r"\bright\b", "R"),
    (r"\bblood pressure\b", "BP"),
    (r"\btemperature\b", "temp"),
    (r"\babdominal\b", "abdo"),
    (r"\bpositive\b", "+ve"),
    (r"\bnegative\b", "-ve"),
    (r"\bsecondary to\b", "2/2"),
    (r"\bbrought in by ambulance\b", "BIBA"),
    (r"\bheadache\b", "HA"),
    (r"\bchest pain\b", "CP"),
    (r"\bdiabetes\b", "DM"),
    (r"\bunder\b", "<"),
)

_VOWEL_START = re.compile(r"^[aeiou]", re.I)


def abbreviate(text: str, rng: random.Random, p: float = 0.7) -> str:
    """Apply nurse shorthand substitutions, each with probability ``p``."""
    for pattern, repl in _ABBREV:
        if rng.random() < p:
            text = re.sub(pattern, repl, text, flags=re.I)
    return text


def add_typos(text: str, rng: random.Random, n: int) -> str:
    """Introduce ``n`` keyboard-style typos into ordinary words (never placeholders or numbers)."""
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    for _ in range(n):
        if not idx:
            break
        i = rng.choice(idx)
        w = words[i]
        j = rng.randrange(1, len(w) - 1)
        kind = rng.randrange(3)
        if kind == 0:
            w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        elif kind == 1:
            w = w[:j] + w[j + 1 :]
        else:
            w = w[:j] + w[j] + w[j:]
        words[i] = w
    return " ".join(words)


def _age_words(age_days: int) -> tuple[int, str]:
    if age_days < 60:
        weeks = max(1, age_days // 7)
        return weeks, "week"
    if age_days < 2 * 365:
        return max(1, age_days // 30), "month"
    return age_days // 365, "year"


def demographic(
    age_days: int, sex: str, pregnant: bool, style: str, rng: random.Random, *, gestation: bool = True
) -> str:
    """A demographic phrase in the register of ``style``."""
    n, unit = _age_words(age_days)
    years = age_days // 365
    child = years < 18
    noun = {
        ("M", True): rng.choice(
            ("boy", "baby boy" if years < 2 else "boy", "teenage boy" if years >= 13 else "male child")
        ),
        ("F", True): rng.choice(
            ("girl", "baby girl" if years < 2 else "girl", "teenage girl" if years >= 13 else "female child")
        ),
        ("M", False): rng.choice(("man", "male", "gentleman")),
        ("F", False): rng.choice(("woman", "female", "lady")),
    }[(sex, child)]
    if unit == "year" and years > 89 and rng.random() < 0.7:
        age_txt = "[AGE>89]"
        if style in ("shorthand", "one_line"):
            return f"{age_txt} {sex}"
        return f"{age_txt} {noun}"
    if style in ("shorthand", "one_line"):
        if unit == "year":
            fmt = rng.choice(("{n}yo {s}", "{n} y/o {s}", "{n}{s}", "{n}yo{s}", "{n} yr old {s}"))
            out = fmt.format(n=n, s=sex)
        elif unit == "week":
            out = rng.choice((f"{n}/52 old {sex}", f"{n} wk old {sex}", f"{n}wo {sex}"))
        else:
            out = rng.choice((f"{n}/12 old {sex}", f"{n} mo {sex}", f"{n}mo old {sex}"))
    else:
        out = f"{n}-{unit}-old {noun}"
    if pregnant and not gestation:
        out += rng.choice((", pregnant", " (pregnant)", ", currently pregnant"))
    elif pregnant:
        weeks = rng.randint(6, 39)
        out += rng.choice(
            (f", G2P1 {weeks}/40", f", {weeks} weeks pregnant", f" ({weeks}/40 pregnant)", f", pregnant {weeks} wks")
        )
    return out


_VITAL_FORMATS: Mapping[str, Sequence[str]] = {
    "hr": ("HR {v}", "P {v}", "pulse {v}", "HR{v}", "HR {v} bpm", "heart rate {v}"),
    "rr": ("RR {v}", "resp {v}", "RR{v}", "resp rate {v}"),
    "bp": ("BP {s}/{d}", "BP{s}/{d}", "B/P {s}/{d}", "blood pressure {s}/{d}"),
    "spo2": ("sats {v}% RA", "SpO2 {v}%", "O2 sat {v}", "sats {v}% on air", "SaO2 {v}% RA", "spO2 {v}"),
    "temp": ("T {v}", "temp {v}", "T {v}C", "temp {v} °C", "T{v}", "temp {f}F", "{v} degrees"),
    "gcs": ("GCS {v}", "GCS {v}/15", "GCS{v}"),
    "avpu": ("AVPU {v}", "responds to {w}"),
    "pain": ("pain {v}/10", "pain score {v}", "{v}/10 pain", "PS {v}/10"),
}

_AVPU_WORDS = {"A": "voice and alert", "V": "voice", "P": "pain", "U": "nothing"}


def _fmt_vital(key: str, vitals: Mapping[str, Any], rng: random.Random) -> str:
    if key == "bp":
        return rng.choice(_VITAL_FORMATS["bp"]).format(s=vitals["sbp"], d=vitals["dbp"])
    if key == "temp_c":
        t = vitals["temp_c"]
        return rng.choice(_VITAL_FORMATS["temp"]).format(v=t, f=round(t * 9 / 5 + 32, 1))
    if key == "avpu":
        v = vitals["avpu"]
        return rng.choice(_VITAL_FORMATS["avpu"]).format(v=v, w=_AVPU_WORDS[v])
    return rng.choice(_VITAL_FORMATS[key]).format(v=vitals[key])


def render_vitals(vitals: Mapping[str, Any], keys: Sequence[str], rng: random.Random, *, prefix: bool = True) -> str:
    """Clinical vitals line for the chosen keys (``bp`` stands for sbp/dbp)."""
    parts = [_fmt_vital(k, vitals, rng) for k in keys if k == "bp" or vitals.get(k) is not None]
    sep = rng.choice((", ", " ", "; ", ", ", " | "))
    lead = rng.choice(("Obs: ", "Vitals: ", "", "obs ", "VS: ", "On arrival ")) if prefix else ""
    return lead + sep.join(parts)


def render_vitals_lay(vitals: Mapping[str, Any], keys: Sequence[str], rng: random.Random) -> str:
    """Vitals as a patient or relative reports them."""
    out = []
    for k in keys:
        if k == "spo2":
            out.append(
                rng.choice(
                    (
                        f"the oxygen thing on the finger said {vitals['spo2']}",
                        f"the nurse said the sats were {vitals['spo2']}%",
                        f"oxygen reading {vitals['spo2']} at home",
                    )
                )
            )
        elif k == "hr":
            out.append(
                rng.choice(
                    (
                        f"heart rate {vitals['hr']} on the watch",
                        f"pulse was {vitals['hr']} when the paramedic checked",
                        f"my watch says heart rate {vitals['hr']}",
                    )
                )
            )
        elif k == "rr":
            out.append(
                rng.choice((f"breathing {vitals['rr']} times a minute, I counted", f"breathing rate {vitals['rr']}"))
            )
        elif k == "temp_c":
            t = vitals["temp_c"]
            out.append(
                rng.choice(
                    (f"temperature {t}", f"thermometer said {round(t * 9 / 5 + 32, 1)}F", f"temp was {t} at home")
                )
            )
        elif k == "bp":
            out.append(
                rng.choice(
                    (
                        f"blood pressure {vitals['sbp']} over {vitals['dbp']}",
                        f"BP machine said {vitals['sbp']}/{vitals['dbp']}",
                    )
                )
            )
        elif k == "gcs":
            out.append(f"the ambulance crew said GCS {vitals['gcs']}")
        elif k == "avpu":
            out.append(
                rng.choice(("only reacts when you pinch him", "won't wake up even when shouted at"))
                if vitals["avpu"] in ("P", "U")
                else "drowsy, only answers when you talk loudly"
            )
        elif k == "pain":
            out.append(f"pain about {vitals['pain']} out of 10")
    return ", ".join(out)


_PLACEHOLDER = re.compile(r"(\[[A-Z_>0-9]+\])")


def lowercase_keep_placeholders(text: str) -> str:
    """Lower-case text the way hurried notes are typed, keeping ``[NAME_1]``-style placeholders."""
    return "".join(p if _PLACEHOLDER.fullmatch(p) else p.lower() for p in _PLACEHOLDER.split(text))


_OLDER_ONLY = ("MI", "stroke", "knee replacement", "hysterectomy", "T2DM", "metformin", "atorvastatin", "DVT")
_FEMALE_ONLY = ("hysterectomy",)


def history_for(age_days: int, sex: str, rng: random.Random) -> str:
    """A past-history phrase plausible for this age and sex."""
    pool = [
        h
        for h in HISTORY
        if (age_days >= 40 * 365 or not any(w in h for w in _OLDER_ONLY))
        and (sex == "F" or not any(w in h for w in _FEMALE_ONLY))
    ]
    return pool[rng.randrange(len(pool))]


# Label-neutral synonyms (never touching severity, negation or numbers), so the same finding is
# written several ways and the model can't key on one fixed phrase.
_SYNONYMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("vomiting", ("being sick", "throwing up", "vomiting", "emesis")),
    ("vomited", ("was sick", "threw up", "vomited")),
    ("short of breath", ("breathless", "SOB", "short of breath", "winded")),
    ("breathless", ("short of breath", "breathless", "out of breath")),
    ("sweaty", ("sweaty", "diaphoretic", "clammy and sweating", "sweating buckets")),
    ("sudden", ("sudden", "abrupt")),
    ("suddenly", ("suddenly", "all of a sudden", "abruptly")),
    ("tummy", ("tummy", "stomach", "belly", "abdomen")),
    ("abdominal", ("abdominal", "tummy", "stomach")),
    ("swollen", ("swollen", "puffy", "swelled up")),
    ("drowsy", ("drowsy", "sleepy", "hard to keep awake")),
    ("confused", ("confused", "muddled", "disorientated")),
    ("painful", ("painful", "sore", "tender")),
    ("feels", ("feels", "is feeling")),
    ("fever", ("fever", "temperature", "temp", "pyrexia")),
    ("yesterday", ("yesterday", "the day before", "last night")),
    ("can't", ("can't", "cannot", "unable to")),
    ("hours", ("hours", "hrs", "h")),
    ("minutes", ("minutes", "mins")),
    ("patient", ("patient", "pt")),
    ("weeks", ("weeks", "wks")),
)
_SYN_RE = {w: re.compile(rf"\b{re.escape(w)}\b") for w, _ in _SYNONYMS}


def paraphrase(text: str, rng: random.Random, p: float = 0.35) -> str:
    """Swap label-neutral words for synonyms, each occurrence with probability ``p``."""
    for word, options in _SYNONYMS:
        if word in text:
            text = _SYN_RE[word].sub(lambda m, opts=options: rng.choice(opts) if rng.random() < p else m.group(0), text)
    return text
