"""Seeded corpus generator: structured facts first, label from the ESI criteria, then text.

Each record is built as (complaint, tier, modifier, patient) -> facts -> :func:`derive_level`
-> text in one of :data:`STYLES`. Records keep their ``facts`` so the label can be re-derived.
"""

from __future__ import annotations

import functools
import hashlib
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage_app.training.corpus.complaints import COMPLAINTS, Complaint, Tier, complaint_by_id
from triage_app.training.corpus.criteria import danger_zone_for_age, derive_level
from triage_app.training.corpus.styles import (
    CLOSERS_CLIN,
    DURATIONS,
    HEDGES,
    IRRELEVANT,
    LAY_HISTORY,
    NEGATIONS,
    PLACEHOLDER_OPENERS,
    abbreviate,
    add_typos,
    demographic,
    history_for,
    lowercase_keep_placeholders,
    paraphrase,
    render_vitals,
    render_vitals_lay,
)
from triage_app.training.corpus.voices import (
    ALLERGIES,
    CONTEXT_LINES,
    LOW_ACUITY_LEADS,
    MEDS,
    NARRATIVE_OPENINGS,
    OLD_RESULTS,
    PAST_HISTORY_STABLE,
    PHONE_OPENERS,
    REASSURING_LOW,
    SOCIAL_ADULT,
    SOCIAL_CHILD,
    run_on,
)

__all__ = [
    "DEFAULT_SIZE",
    "LEVEL_WEIGHTS",
    "VALIDATION_COMPLAINTS",
    "CorpusConfig",
    "generate",
    "split_for",
    "write_jsonl",
]

DEFAULT_SIZE = 24_000
LEVEL_WEIGHTS: dict[int, float] = {1: 0.16, 2: 0.24, 3: 0.21, 4: 0.19, 5: 0.20}
_VALIDATION_SHARE = 15  # percent of complaints (by stable hash) held out for validation


# Common presentations that carry the main under-triage traps stay in training: holding out,
# say, all abdominal pain would hide ectopic-as-abdominal-pain from the model entirely.
ALWAYS_TRAIN = frozenset(
    {
        "abdominal_pain", "back_pain", "chest_pain", "sob", "headache", "dizziness", "head_injury",
        "pv_bleeding", "pregnancy_issue", "fever", "sepsis_elderly", "suicidal_ideation", "stroke_symptoms",
        "confusion", "infant_breathing", "overdose", "fall_elderly", "weakness", "vomiting",
    }
)  # fmt: skip


def split_for(cid: str) -> str:
    """Train/validation split by chief complaint, stable across seeds."""
    if cid in ALWAYS_TRAIN:
        return "train"
    h = int(hashlib.sha256(f"split-v1:{cid}".encode()).hexdigest(), 16) % 100
    return "validation" if h < _VALIDATION_SHARE else "train"


VALIDATION_COMPLAINTS = frozenset(c.cid for c in COMPLAINTS if split_for(c.cid) == "validation")


@dataclass(frozen=True)
class CorpusConfig:
    """How many records and which seed."""

    size: int = DEFAULT_SIZE
    seed: int = 13


# Generic first-order modifiers (CTAS) that can lift any non-administrative complaint.
_L1_MODS = ("hypoxia", "unresponsive", "shock")
_L2_MODS = ("confusion", "gcs_low", "immuno_fever", "severe_pain", "danger_zone")

_POP_DAYS: dict[str, tuple[int, int]] = {
    "N": (3, 28),
    "I": (29, 89),
    "T": (90, 3 * 365 - 1),
    "C": (3 * 365, 12 * 365 + 364),
    "Y": (13 * 365, 17 * 365 + 364),
    "A": (18 * 365, 64 * 365 + 364),
    "O": (65 * 365, 97 * 365),
    "P": (18 * 365, 42 * 365),
}


def _normal_vitals(age_days: int, rng: random.Random) -> dict[str, Any]:
    years = age_days / 365
    if age_days < 90:
        hr, rr, sbp = rng.randint(115, 165), rng.randint(30, 46), rng.randint(65, 85)
    elif age_days < 3 * 365:
        hr, rr, sbp = rng.randint(95, 145), rng.randint(24, 36), rng.randint(80, 100)
    elif age_days <= 8 * 365:
        hr, rr, sbp = rng.randint(80, 125), rng.randint(18, 27), rng.randint(88, 110)
    elif years < 13:
        hr, rr, sbp = rng.randint(70, 99), rng.randint(14, 20), rng.randint(95, 118)
    else:
        hr, rr, sbp = rng.randint(58, 96), rng.randint(12, 19), rng.randint(105, 150 if years > 60 else 135)
    return {
        "hr": hr,
        "rr": rr,
        "sbp": sbp,
        "dbp": int(sbp * rng.uniform(0.55, 0.66)),
        "spo2": rng.randint(95, 100),
        "temp_c": round(rng.uniform(36.1, 37.4), 1),
        "gcs": 15,
        "avpu": "A",
        "pain": None,
    }


def _paths_for_level(c: Complaint, level: int) -> list[tuple[int, str]]:
    """(tier index, modifier) pairs that aim at ``level``."""
    out: list[tuple[int, str]] = []
    for i, t in enumerate(c.tiers):
        if level == 1 and t.code == "A":
            out.append((i, "none"))
        elif level == 2 and t.code == "B":
            out.append((i, "none"))
        elif t.code == "R":
            if level == 3 and t.resources >= 2:
                out.append((i, "none"))
            elif level == 4 and t.resources == 1:
                out.append((i, "none"))
            elif level == 5 and t.resources == 0:
                out.append((i, "none"))
            elif c.generic and level == 1 and t.resources >= 1:
                out.extend((i, m) for m in _L1_MODS)
            elif c.generic and level == 2 and t.resources >= 1:
                mods = [m for m in _L2_MODS if m != "danger_zone" or t.resources >= 2]
                if not c.central:
                    mods.remove("severe_pain")
                out.extend((i, m) for m in mods)
    return out


@functools.lru_cache(maxsize=64)
def _candidates(cids: tuple[str, ...], level: int) -> tuple[list[tuple[Complaint, tuple[int, str]]], list[float]]:
    """Weighted (complaint, path) candidates for a level.

    A complaint with its own tier for the level weighs 1 (75 % on its own tiers, 25 % on generic
    modifiers); a complaint that reaches the level only through a generic modifier weighs 0.15,
    so complaint-specific discriminators (anaphylaxis, SAH, ectopic...) are not drowned out.
    """
    cands: list[tuple[Complaint, tuple[int, str]]] = []
    cum: list[float] = []
    total = 0.0
    for cid in cids:
        c = complaint_by_id(cid)
        paths = _paths_for_level(c, level)
        own = [p for p in paths if p[1] == "none"]
        generic = [p for p in paths if p[1] != "none"]
        for p in paths:
            if own:
                w = (0.75 if generic else 1.0) / len(own) if p[1] == "none" else 0.25 / len(generic)
            else:
                w = 0.15 / len(generic)
            total += w
            cands.append((c, p))
            cum.append(total)
    return cands, cum


_MOD_TEXT: dict[str, tuple[str, ...]] = {
    "hypoxia": (
        "working hard to breathe, can't finish sentences",
        "struggling to breathe, lips dusky",
        "gasping, using neck muscles to breathe",
        "tiring, breathing shallow and fast, getting quieter",
        "cyanosed centrally, sitting forward, can only nod",
        "increasing work of breathing, recession and nasal flaring",
        "desaturating despite high-flow oxygen",
        "exhausted, head bobbing with each breath",
    ),
    "unresponsive": (
        "not responding except to pain",
        "won't wake up",
        "unresponsive on arrival",
        "no eye opening, only a groan to a sternal rub",
        "floppy and unrousable",
        "found slumped, not responding to voice",
        "snoring respirations, not protecting airway",
        "eyes rolled back, limp, doesn't react to us",
    ),
    "shock": (
        "cold clammy peripheries, mottled, cap refill 5 s",
        "grey and sweaty, barely palpable pulse",
        "pale and clammy, looks shocked",
        "thready radial pulse, peripherally shut down",
        "knees mottled, cold to the elbows",
        "grey, confused and sweaty, BP dropping on repeat",
        "peri-arrest, weak central pulse only",
    ),
    "confusion": (
        "new confusion, doesn't know where he is",
        "suddenly muddled and disorientated since this morning",
        "not making sense, very drowsy, new today",
        "lethargic and confused, not like herself",
    ),
    "gcs_low": ("drowsy, eyes open to voice only", "very sleepy, confused speech"),
    "immuno_fever": (
        "on chemotherapy, last cycle 8 days ago",
        "kidney transplant on tacrolimus",
        "neutropenic on chemo",
        "on high-dose steroids and methotrexate",
    ),
    "severe_pain": (
        "pain 9/10, pale, sweating, can't keep still",
        "in agony, writhing, vomited with the pain",
        "severe pain, crying out, can't get comfortable",
    ),
    "danger_zone": ("looks unwell", "tachycardic", "breathing fast", "a bit pale"),
}

_COMFORTABLE = (
    "but sitting comfortably scrolling on phone",
    "though chatting and laughing with partner",
    "but eating crisps in waiting room",
    "though looks comfortable",
)


# Findings that only make sense for adults (or only for children) narrow the sampled population.
_ADULT_MARKERS = re.compile(
    r"\b(smok\w*|drinks?|drinking heavily|alcohol|work|labourer|prostate|on the pill|sex|wife|husband|spouse|"
    r"festival|cocaine|heroin|MDMA|IV drug|pregnan\w*|period|erection|metformin|warfarin|apixaban|rivaroxaban|"
    r"clopidogrel|sulfonylurea|dialysis|gym|retired|AF|heart failure|cirrhosis|dementia|stroke|prosthetic|cancer|chemo\w*)\b",
    re.I,
)
_CHILD_MARKERS = re.compile(
    r"\b(toddler|baby|babies|nappy|nappies|feeds?|fontanelle|school|infant|newborn|child)\b", re.I
)
_PRONOUNS_M = ((r"\bshe\b", "he"), (r"\bShe\b", "He"), (r"\bherself\b", "himself"), (r"\bher\b", "his"))
_PRONOUNS_F = (
    (r"\bhe\b", "she"),
    (r"\bHe\b", "She"),
    (r"\bhimself\b", "herself"),
    (r"\bhis\b", "her"),
    (r"\bhim\b", "her"),
)


def _match_pronouns(text: str, sex: str) -> str:
    for pattern, repl in _PRONOUNS_M if sex == "M" else _PRONOUNS_F:
        text = re.sub(pattern, repl, text)
    return text


def _sample_case(rng: random.Random, level: int, pool: list[Complaint]) -> dict[str, Any] | None:
    cands, cum = _candidates(tuple(c.cid for c in pool), level)
    if not cands:
        return None
    c, (ti, mod) = rng.choices(cands, cum_weights=cum, k=1)[0]
    tier: Tier = c.tiers[ti]
    pops = tier.pops or c.pops
    sex = tier.sex or c.sex
    if sex == "M":
        pops = pops.replace("P", "")
    if not pops:
        return None
    tier_text = " ".join((*tier.keys, *tier.extras))
    if _ADULT_MARKERS.search(tier_text) and any(p in "YAOP" for p in pops):
        pops = "".join(p for p in pops if p in "YAOP")
    elif _CHILD_MARKERS.search(tier_text) and any(p in "NITC" for p in pops):
        pops = "".join(p for p in pops if p in "NITC")
    pop = rng.choice(pops)
    age_days = rng.randint(*_POP_DAYS[pop])
    pregnant = pop == "P"
    if pregnant:
        sex = "F"
    elif sex is None:
        sex = rng.choice("MF")
    vitals = _normal_vitals(age_days, rng)
    driving: list[str] = []
    if tier.vitals and not (tier.code == "R" and tier.vitals[0][1] == 60 and tier.vitals[0][0] == "hr"):
        for key, lo, hi in tier.vitals:
            vitals[key] = round(rng.uniform(lo, hi), 1) if key == "temp_c" else rng.randint(int(lo), int(hi))
    if tier.fever:
        hi = 38.9 if pop == "T" and tier.code == "R" else 40.2
        vitals["temp_c"] = round(rng.uniform(38.0, hi), 1)
        driving.append("temp_c")
    facts: dict[str, Any] = {
        "age_days": age_days,
        "lsi": tier.reason if tier.code == "A" else None,
        "high_risk": tier.reason if tier.code == "B" else None,
        "altered": False,
        "immunocompromised": False,
        "pain": None,
        "pain_central": c.central,
        "pain_supported": False,
        "resources": tier.resources if tier.code == "R" else 2,
        "resource_names": tier.resource_names,
        "modifier": mod,
        "vitals": vitals,
    }
    zone = danger_zone_for_age(age_days)
    if mod == "hypoxia":
        vitals["spo2"] = rng.randint(78, 89)
        vitals["rr"] = zone.rr_above + rng.randint(5, 15)
        driving += ["spo2", "rr"]
    elif mod == "unresponsive":
        if rng.random() < 0.5:
            vitals["gcs"] = rng.randint(3, 8)
            vitals["avpu"] = rng.choice("PU")
            driving.append("gcs")
        else:
            vitals["avpu"] = rng.choice("PU")
            vitals["gcs"] = None
            driving.append("avpu")
    elif mod == "shock":
        facts["lsi"] = "shock with signs of hypoperfusion needing fluid resuscitation"
        vitals["sbp"] = rng.randint(55, 85) if age_days > 365 else rng.randint(40, 60)
        vitals["dbp"] = int(vitals["sbp"] * 0.6)
        vitals["hr"] = zone.hr_above + rng.randint(15, 40)
        driving += ["bp", "hr"]
    elif mod == "confusion":
        facts["altered"] = True
        vitals["gcs"] = rng.choice((14, None))
    elif mod == "gcs_low":
        vitals["gcs"] = rng.randint(10, 13)
        driving.append("gcs")
    elif mod == "immuno_fever":
        facts["immunocompromised"] = True
        vitals["temp_c"] = round(rng.uniform(38.0, 39.8), 1)
        if "temp_c" not in driving:
            driving.append("temp_c")
    elif mod == "severe_pain":
        facts["pain"] = rng.randint(8, 10)
        facts["pain_supported"] = True
        vitals["pain"] = facts["pain"]
        driving.append("pain")
    elif mod == "danger_zone":
        which = rng.choice(("hr", "rr", "spo2") if age_days > 8 * 365 else ("hr", "rr"))
        if which == "hr":
            vitals["hr"] = zone.hr_above + rng.randint(5, 35)
        elif which == "rr":
            vitals["rr"] = zone.rr_above + rng.randint(3, 12)
        else:
            vitals["spo2"] = rng.randint(90, 91)
        driving.append(which)
    elif tier.code == "R" and c.central and rng.random() < 0.2:
        # Over-triage trap: a high pain score the picture does not support.
        facts["pain"] = rng.randint(8, 10)
        vitals["pain"] = facts["pain"]
        facts["pain_trap"] = True
        driving.append("pain")
    if tier.code == "R" and mod == "none" and not any(k in driving for k in ("spo2",)):
        # Low-acuity cases never carry a danger-zone vital by accident.
        vitals["hr"] = min(vitals["hr"], zone.hr_above - 5)
        vitals["rr"] = min(vitals["rr"], zone.rr_above - 2)
    decision = derive_level(facts)
    if decision.level != level:
        return None
    # Whatever vital decided the level is written, even when a tier range (not the modifier) set it.
    for key, marker in (("hr", "HR "), ("rr", "RR "), ("spo2", "SpO2 "), ("gcs", "GCS "), ("avpu", "AVPU ")):
        if marker in decision.criterion and key not in driving:
            driving.append(key)
    immunised = {
        "complaint": c,
        "tier": tier,
        "tier_index": ti,
        "mod": mod,
        "sex": sex,
        "pregnant": pregnant,
        "pop": pop,
        "facts": facts,
        "driving": driving,
        "decision": decision,
    }
    return immunised


def _pick(rng: random.Random, seq: tuple[str, ...] | list[str]) -> str:
    return seq[rng.randrange(len(seq))]


_REASSURING = re.compile(
    r"\b(well|fine|settl\w*|better|recovered|normal\w*|ok|okay|calm|no symptoms|resolved|comfortabl\w*|playing|"
    r"eating|drinking|walking|talking|alert|stable|mild|no distress|no pain|low risk|feels)\b",
    re.I,
)


def _drop_reassurance(text: str) -> str:
    """Remove reassuring clauses that would contradict a generic escalation (keeps the first clause)."""
    clauses = [p.strip() for p in text.split(",")]
    kept = [clauses[0]] + [p for p in clauses[1:] if not _REASSURING.search(p)]
    return ", ".join(kept)


def _features(rng: random.Random, case: dict[str, Any]) -> list[str]:
    tier: Tier = case["tier"]
    mod = case["mod"]
    feats = [_pick(rng, tier.keys)]
    if tier.extras:
        feats += rng.sample(list(tier.extras), k=rng.randint(0, min(2, len(tier.extras))))
    if mod != "none":
        feats = [_drop_reassurance(f) for f in feats if f == feats[0] or not _REASSURING.search(f)]
    feats = [_match_pronouns(paraphrase(f, rng), case["sex"]) for f in feats]
    required = [feats[0]]
    if mod in _MOD_TEXT:
        feats.append(_match_pronouns(_pick(rng, _MOD_TEXT[mod]), case["sex"]))
        required.append(feats[-1])
    if case["facts"].get("pain_trap"):
        feats.append(f"rates pain {case['facts']['pain']}/10 {_pick(rng, _COMFORTABLE)}")
        required.append(feats[-1])
    case["required_feats"] = required
    return feats


def _negations(rng: random.Random, case: dict[str, Any], feats: list[str], k: int) -> list[str]:
    """Negated red flags that do not contradict the case (never about its own findings)."""
    c: Complaint = case["complaint"]
    context = " ".join((*feats, *c.terms, *c.lay, *c.short, c.cid)).lower()
    if case["facts"]["vitals"].get("temp_c", 37.0) >= 38.0 or case["mod"] in ("hypoxia", "unresponsive"):
        context += " fever breath conscious"
    ok = [
        t
        for t, fam, stems in NEGATIONS
        if fam != c.family
        and not any(st in context for st in stems.split("|"))
        and (case["sex"] == "F" or "PV" not in t)
    ]
    return rng.sample(ok, k=min(k, len(ok)))


def _vital_keys(rng: random.Random, case: dict[str, Any], full: bool) -> list[str]:
    keys = list(dict.fromkeys(case["driving"]))
    if full:
        for k in ("hr", "bp", "rr", "spo2", "temp_c"):
            if k not in keys and rng.random() < 0.75:
                keys.append(k)
        if case["facts"]["vitals"].get("gcs") is not None and rng.random() < 0.2 and "gcs" not in keys:
            keys.append("gcs")
    v = case["facts"]["vitals"]
    out = [k for k in keys if k == "bp" or v.get(k) is not None]
    case.setdefault("shown", set()).update(out)
    return out


def _placeholders(rng: random.Random) -> str:
    return _pick(rng, PLACEHOLDER_OPENERS)


def _term(rng: random.Random, c: Complaint, lay: bool, short: bool = False) -> str:
    if short and c.short and rng.random() < 0.6:
        return _pick(rng, c.short)
    if lay and c.lay:
        return _pick(rng, c.lay)
    return _pick(rng, c.terms)


def _pronouns(sex: str) -> tuple[str, str, str]:
    return ("he", "his", "him") if sex == "M" else ("she", "her", "her")


def _relative(rng: random.Random, age_days: int, sex: str) -> str:
    if age_days < 18 * 365:
        return (
            ("my son" if sex == "M" else "my daughter")
            if rng.random() < 0.6
            else ("our little boy" if sex == "M" else "our little girl")
        )
    if age_days > 65 * 365:
        return (
            _pick(rng, ("my dad", "my father", "my husband", "grandad"))
            if sex == "M"
            else _pick(rng, ("my mum", "my mother", "my wife", "nan"))
        )
    return (
        _pick(rng, ("my husband", "my partner", "my brother"))
        if sex == "M"
        else _pick(rng, ("my wife", "my partner", "my sister"))
    )


def _render(rng: random.Random, case: dict[str, Any], style: str) -> str:
    c: Complaint = case["complaint"]
    facts = case["facts"]
    v = facts["vitals"]
    age = facts["age_days"]
    sex = case["sex"]
    feats = _features(rng, case)
    gestation = not any(re.search(r"\d+ ?(weeks|/40)|early pregnancy|trimester", f) for f in feats)
    demo = demographic(age, sex, case["pregnant"], style, rng, gestation=gestation)
    dur = _pick(rng, DURATIONS)
    neg = _negations(rng, case, feats, rng.choice((0, 0, 1, 1, 2)))
    ph = _placeholders(rng) if rng.random() < 0.3 else ""
    hist = (
        (history_for(age, sex, rng) if age >= 16 * 365 else _pick(rng, _child_history(age)))
        if rng.random() < 0.35
        else ""
    )
    irrel_pool = IRRELEVANT if age >= 18 * 365 else tuple(x for x in IRRELEVANT if "work" not in x)
    irrel = _pick(rng, irrel_pool) if rng.random() < 0.25 else ""
    he, his, _him = _pronouns(sex)

    if style == "one_line":
        keys = _vital_keys(rng, case, full=False)
        vit = render_vitals(v, keys, rng, prefix=False) if keys else ""
        term = _term(rng, c, False, short=True)
        if term.lower() in feats[0].lower():
            term = ""
        parts = [demo, _pick(rng, ("c/o", "with", "-", "")) if term else "", term]
        optional = [f for f in feats if f not in case["required_feats"]]
        shown = list(case["required_feats"])
        if optional and rng.random() < 0.5:
            shown.insert(1, optional[0])
        text = " ".join(p for p in parts if p) + ", " + ", ".join(shown)
        if vit:
            text += ", " + vit
        if neg and rng.random() < 0.5:
            text += ", " + neg[0]
        if ph and rng.random() < 0.5:
            text = ph + " " + text
        return text

    if style == "shorthand":
        keys = _vital_keys(rng, case, full=rng.random() < 0.8)
        pieces = [f"{demo} c/o {_term(rng, c, False, short=True)} {dur}"]
        pieces += feats + neg
        if hist:
            pieces.append(hist)
        if keys:
            pieces.append(render_vitals(v, keys, rng))
        if irrel and rng.random() < 0.4:
            pieces.append(irrel)
        if ph:
            pieces.insert(0, ph.rstrip("."))
        text = abbreviate(". ".join(pieces), rng)
        return text.replace(" and ", " + " if rng.random() < 0.4 else " and ")

    if style == "clinical":
        keys = _vital_keys(rng, case, full=rng.random() < 0.8)
        opener = _pick(rng, ("A", "This", "")) or "A"
        sents = [
            f"{opener} {demo} presenting with {_term(rng, c, False)} {dur}."
            if opener != "This"
            else f"This {demo} presents with {_term(rng, c, False)} {dur}."
        ]
        sents.append(f"{'He' if sex == 'M' else 'She'} reports {feats[0]}.")
        for f in feats[1:]:
            sents.append(f[0].upper() + f[1:] + ".")
        if neg:
            sents.append(
                f"{'He' if sex == 'M' else 'She'} {neg[0]}."
                if neg[0].startswith("denies")
                else f"{neg[0][0].upper() + neg[0][1:]}."
            )
        if hist:
            sents.append(f"Background: {hist}.")
        if keys:
            sents.append(render_vitals(v, keys, rng) + ".")
        if irrel and rng.random() < 0.3:
            sents.append(f"Incidentally {irrel}.")
        closer = _pick(rng, CLOSERS_CLIN)
        if closer:
            sents.append(closer)
        level = case["decision"].level
        if level >= 4 and rng.random() < 0.4 or level == 3 and rng.random() < 0.08:
            sents.insert(0, _pick(rng, tuple(x for x in LOW_ACUITY_LEADS if x.endswith((":", "-")))))
        if ph:
            sents.insert(0, ph)
        return " ".join(sents)

    if style == "nurse_note":
        return _nurse_note(rng, case, feats, dur, neg, hist, ph)

    if style == "narrative":
        return _narrative(rng, case, demo, feats, dur, neg, ph)
    if style == "phone":
        return _phone(rng, case, demo, feats, dur, neg, ph)
    if style == "run_on":
        style = _pick(rng, ("lay_first", "lay_third"))

    keys = _vital_keys(rng, case, full=False)
    lay_vit = render_vitals_lay(v, keys, rng) if keys else ""
    hedge = _pick(rng, HEDGES) + " " if rng.random() < 0.35 else ""
    lay_hist = _pick(rng, LAY_HISTORY) if rng.random() < 0.3 else ""
    lay_term = _term(rng, c, True)
    lay_term_cap = lay_term[0].upper() + lay_term[1:]
    if style == "lay_first":
        years = age // 365
        who = f"I'm {years}" if years >= 13 else ""
        if case["pregnant"]:
            who = (who + " and " if who else "I'm ") + "pregnant"
        level = case["decision"].level
        if level >= 4 and rng.random() < 0.5 or level == 3 and rng.random() < 0.1:
            s = [f"{_pick(rng, LOW_ACUITY_LEADS)} {lay_term} {dur}."]
        else:
            s = [f"{_pick(rng, ('Hi. ', '', 'Sorry to bother you. ', 'Hello. '))}{lay_term_cap} {dur}."]
        if who:
            s.append(who + ".")
        s.append(
            f"{hedge[:1].upper() + hedge[1:] if hedge else ''}{feats[0] if hedge else feats[0][0].upper() + feats[0][1:]}."
        )
        s += [f"Also {f}." for f in feats[1:]]
        if neg:
            s.append(f"{neg[0][0].upper() + neg[0][1:]} though.")
        if lay_vit:
            s.append(lay_vit[0].upper() + lay_vit[1:] + ".")
        if lay_hist:
            s.append(f"For what it's worth, {lay_hist}.")
        if irrel:
            s.append(f"Oh and {irrel}.")
        if ph:
            s.insert(0, ph)
        return " ".join(s)
    if style == "lay_second":
        s = [f'{_pick(rng, ("So you said", "You told me", "OK, so you mentioned", "You say"))} "{lay_term}" {dur}.']
        s.append(f"{_pick(rng, ('You described', 'You said', 'You mentioned'))} {hedge}{feats[0]}.")
        s += [f"You also said {f}." for f in feats[1:]]
        if neg:
            s.append(f"And you told me {neg[0]}.")
        if lay_vit:
            s.append(f"Your reading here: {lay_vit}.")
        if lay_hist:
            s.append(f"You mentioned: {lay_hist}.")
        s.append(f"Patient is {demo}.")
        if ph:
            s.insert(0, ph)
        return " ".join(s)
    # lay_third: a relative speaking
    rel = _relative(rng, age, sex)
    rel_cap = rel[0].upper() + rel[1:]
    s = [
        _pick(
            rng,
            (
                f"{rel_cap}: {lay_term} {dur}.",
                f"I've brought {rel} in. {lay_term_cap} {dur}.",
                f"Please can someone see {rel}, {lay_term} {dur}.",
                f"It's {rel}. {lay_term_cap}, {dur}, {he} says.",
            ),
        )
    ]
    s.append(
        f"{he[0].upper() + he[1:]} {_pick(rng, ('has', 'says there is', 'seems to have', 'told me about'))} {hedge}{feats[0]}."
    )
    s += [f"{f[0].upper() + f[1:]}." for f in feats[1:]]
    if neg:
        s.append(f"{neg[0][0].upper() + neg[0][1:]} as far as I know.")
    if lay_vit:
        s.append(f"{lay_vit[0].upper() + lay_vit[1:]}.")
    if rng.random() < 0.7:
        s.append(f"{he[0].upper() + he[1:]} is {demo}.")
    if irrel:
        s.append(f"Sorry, {irrel}.")
    if ph:
        s.insert(0, ph)
    return " ".join(s)


_EXAM_NORMAL: dict[str, tuple[str, ...]] = {
    "respiratory": ("chest clear bilaterally", "good air entry, no wheeze"),
    "cardiovascular": ("heart sounds I+II+0", "peripheral pulses present"),
    "gastrointestinal": ("abdomen soft and non-tender", "bowel sounds present"),
    "neurological": ("no focal neurological deficit", "pupils equal and reactive"),
    "skin": ("skin intact, no rash", "no obvious skin lesions"),
    "ENT": ("throat unremarkable", "ears normal on otoscopy"),
}
_CHILD_HISTORY = (
    "born at term",
    "immunisations up to date",
    "no previous admissions",
    "mild eczema",
    "grommets aged 3",
    "no significant past history",
    "had bronchiolitis as a baby",
)


def _child_history(age_days: int) -> tuple[str, ...]:
    return tuple(h for h in _CHILD_HISTORY if age_days >= 4 * 365 or "aged 3" not in h)


_ROS = (
    "Systems review otherwise unremarkable.",
    "ROS: nil else of note.",
    "Review of systems negative apart from some tiredness.",
    "Bowels and bladder normal.",
    "Appetite and weight stable.",
    "Sleeping a little less than usual.",
)
_FAMILY_HX = (
    "FHx: father had a heart attack at 70.",
    "No relevant family history.",
    "Mother has type 2 diabetes.",
    "Family history of hypertension.",
    "FH: nil of note.",
    "Sibling with asthma.",
)
_FUNCTION = (
    "{He} is normally fully independent.",
    "Usually very active, walks the dog daily.",
    "{He} has had no falls in the last year.",
    "Baseline: independent, no carers.",
)
# (finding, context that would contradict it): normal findings never contradict the case.
_EXAM_EXTRA: tuple[tuple[str, str], ...] = (
    ("Capillary refill under 2 seconds.", r"shock|clammy|mottled|pale|grey|bleed|blood|dehydrat|sepsis|collapse"),
    ("No lymphadenopathy.", r"gland|lump|node|neck swelling"),
    ("Calves soft and non-tender.", r"calf|calves|leg|dvt|clot"),
    ("No peripheral oedema.", r"swell|swollen|oedema|puffy|heart failure|fluid"),
    ("Tympanic membranes normal bilaterally.", r"ear"),
    ("Mucous membranes moist.", r"dehydrat|dry|vomit|sick|diarr|drink|nappy|fluids"),
    ("Speech normal, gait not assessed.", r"speech|speak|word|slur|talk|confus|drows|stroke|weak|walk|droop|dizz"),
    ("Capillary glucose 6.4.", r"sugar|glucose|hypo|diabet|bm |dka"),
)
_EXAM_CLASH: dict[str, str] = {
    "respiratory": r"breath|sob|wheez|gasp|stridor|crackl|cough|sats|chest|asthma|choking|airway|drown",
    "cardiovascular": r"pulse|shock|clammy|mottled|heart|palpit|bp |grey|faint|collapse|limb",
    "gastrointestinal": r"abdo|tummy|belly|stomach|pelvi|stab|bowel|vomit|groin|epigastr|bleed",
    "neurological": r"head|unrespons|gcs|fit|seiz|drows|confus|weak|numb|speech|slur|droop|pupil|wake|conscious",
    "skin": r"cut|wound|lacer|burn|bite|rash|spot|stab|bruis|blister|hives|swell|sting|purpur|scald|graze",
    "ENT": r"throat|ear|nose|swallow|drool|voice|tonsil|mouth",
}


def _nurse_note(
    rng: random.Random, case: dict[str, Any], feats: list[str], dur: str, neg: list[str], hist: str, ph: str
) -> str:
    """Structured nurse triage note (PC/HPC/PMH/DH/SH/O/E), shorthand applied later."""
    c: Complaint = case["complaint"]
    age = case["facts"]["age_days"]
    sdemo = demographic(age, case["sex"], case["pregnant"], "shorthand", rng)
    keys = _vital_keys(rng, case, full=rng.random() < 0.85)
    vit = render_vitals(case["facts"]["vitals"], keys, rng, prefix=False) if keys else ""
    parts = [
        f"{_pick(rng, (sdemo, 'Pt ' + sdemo, sdemo + ' BIBA' if rng.random() < 0.3 else sdemo + ' self-presented'))}.",
        f"{_pick(rng, ('PC:', 'P/C', 'C/O'))} {_term(rng, c, False, short=True)} {dur}.",
        f"{_pick(rng, ('HPC:', 'Hx:', ''))} {'. '.join(feats)}.".strip(),
    ]
    if neg:
        parts.append(f"{'. '.join(neg)}.")
    if age >= 16 * 365:
        parts.append(f"PMH: {hist or _pick(rng, ('nil', 'NIL', 'nil sig', 'see notes'))}.")
        parts.append(f"{_pick(rng, ALLERGIES)}.")
    else:
        parts.append(f"PMH: {hist or 'nil'}. {_pick(rng, ('Imms UTD', 'imms up to date', 'NKDA'))}.")
    if vit:
        parts.append(f"{_pick(rng, ('Obs:', 'O/E', 'obs', 'Obs on arrival'))} {vit}.")
    if ph:
        parts.insert(0, ph)
    return " ".join(p for p in parts if p)


def _phone(
    rng: random.Random, case: dict[str, Any], demo: str, feats: list[str], dur: str, neg: list[str], ph: str
) -> str:
    """Telephone triage record: who rang, what they said, what was asked."""
    c: Complaint = case["complaint"]
    age = case["facts"]["age_days"]
    he, _his, _him = _pronouns(case["sex"])
    if age < 16 * 365:
        caller, who = _pick(rng, ("mum", "dad", "parent", "grandmother")), "child"
    elif age > 70 * 365 and rng.random() < 0.5:
        caller, who = _pick(rng, ("daughter", "son", "carer", "neighbour")), "patient"
    else:
        caller, who = "patient", "self"
    first = _pick(rng, PHONE_OPENERS).format(caller=caller, who=who)
    keys = _vital_keys(rng, case, full=False)
    lay_vit = render_vitals_lay(case["facts"]["vitals"], keys, rng) if keys else ""
    s = [first, f"{_pick(rng, ('Reports', 'Describes', 'Calling about', 'Says'))} {_term(rng, c, True)} {dur}."]
    s.append(f"{_cap(he)} {_pick(rng, ('has', 'is said to have', 'apparently has'))} {feats[0]}.")
    s += [_cap(f) + "." for f in feats[1:]]
    for n in neg:
        s.append(f"{_pick(rng, ('Asked about', 'Screened for', 'Checked'))}: {n}.")
    if lay_vit:
        s.append(f"Caller says {lay_vit}.")
    s.append(f"{_pick(rng, ('Pt is', 'Patient:', 'About'))} {demo}.")
    if rng.random() < 0.4:
        s.append(
            _pick(rng, ("Call lasted 6 min.", "Caller a bit anxious.", "Line poor at times.", "Number confirmed."))
        )
    if ph:
        s.insert(0, ph)
    return " ".join(s)


def _weight(age_days: int, rng: random.Random) -> float:
    """A plausible weight in kg for the age."""
    if age_days < 365:
        return round(3.2 + age_days / 365 * 6.5 + rng.uniform(-0.5, 0.5), 1)
    if age_days < 16 * 365:
        return int(age_days / 365 * 3 + 7 + rng.randint(-2, 4))
    return rng.randint(48, 120)


def _stable_history(rng: random.Random, case: dict[str, Any], context: str) -> list[str]:
    """Past-history sentences that are settled and do not touch the presenting complaint."""
    age, sex = case["facts"]["age_days"], case["sex"]
    words = set(re.findall(r"[a-z]{4,}", context.lower()))
    pool = []
    for h in PAST_HISTORY_STABLE:
        if age < 40 * 365 and re.search(r"MI|TIA|PE|cancer|AF|CKD|prostat|HTN|diabetes|osteoarth|gout", h):
            continue
        if sex == "F" and "prostat" in h:
            continue
        if sex == "M" and "breast" in h:
            continue
        if set(re.findall(r"[a-z]{4,}", h.lower())) & words:
            continue
        pool.append(h.replace("{y}", str(rng.randint(2005, 2022))))
    return pool


def _narrative(
    rng: random.Random, case: dict[str, Any], demo: str, feats: list[str], dur: str, neg: list[str], ph: str
) -> str:
    """A 100-250-word presentation with the deciding fact in one sentence among distractors."""
    c: Complaint = case["complaint"]
    facts = case["facts"]
    level = case["decision"].level
    sex = case["sex"]
    age = facts["age_days"]
    years = age // 365
    he, his, him = _pronouns(sex)
    he_cap = he.capitalize()
    child = age < 16 * 365
    sdemo = demographic(age, sex, case["pregnant"], "shorthand", rng)
    term = _term(rng, c, False)
    rel = (
        _pick(rng, ("mother", "father", "grandmother"))
        if years < 18
        else _pick(rng, ("partner", "daughter", "son", "friend"))
    )
    context = " ".join((*feats, *c.terms, *c.lay, c.cid, c.family))

    def fill(s: str) -> str:
        return (
            s.replace("{He}", he_cap)
            .replace("{he}", he)
            .replace("{his}", his)
            .replace("{him}", him)
            .replace("{rel}", rel)
        )

    # The deciding fact: one sentence.
    lead = (
        _pick(rng, ("Of note,", "The main concern today is", "On arrival:", "History of presenting complaint:"))
        if level == 1
        else None
    ) or _pick(
        rng,
        (f"{he_cap} reports", f"{he_cap} describes", "On direct questioning,", "The main concern today is",
         "Of note,", f"{he_cap} tells us about", "History of presenting complaint:", "Today"),
    )  # fmt: skip
    key = f"{lead} {feats[0]}" + ("; " + "; ".join(feats[1:]) if feats[1:] else "") + "."
    keys = _vital_keys(rng, case, full=True)
    vit = render_vitals(facts["vitals"], keys, rng) if keys else ""
    vit_sent = (vit[0].upper() + vit[1:] + ".") if vit else ""

    history: list[str] = []
    hist_pool = _stable_history(rng, case, context)
    if child:
        history.append(
            f"{_pick(rng, ('PMH:', 'Past history:', 'Background:'))} {'; '.join(rng.sample(_child_history(age), 2))}."
        )
        soc = [x for x in SOCIAL_CHILD if (years < 5 or "nursery" not in x) and (7 <= years <= 10 or "year 4" not in x)]
        history.append(_cap(_pick(rng, tuple(soc))) + ".")
        history.append(
            f"{_pick(rng, ('No regular medicines', 'Takes emollients only', 'Vitamin D drops only'))}, {_pick(rng, ALLERGIES)}."
        )
    else:
        if rng.random() < 0.5:
            hist_pool = [h for h in hist_pool if not re.search(r"nil|no significant|unremarkable", h)]
        for h in rng.sample(hist_pool, k=min(len(hist_pool), rng.randint(1, 2))):
            history.append(f"{_pick(rng, ('PMH:', 'Background:', 'Past history:', 'Of note,', 'Also known:'))} {h}.")
        meds = [
            m
            for m in MEDS
            if (years >= 40 or not re.search(r"ramipril|bisoprolol|metformin|tamsulosin", m))
            and (sex == "F" or "pill" not in m)
            and (sex == "M" or "tamsulosin" not in m)
        ]
        history.append(_cap(_pick(rng, tuple(meds))) + ".")
        history.append(_cap(_pick(rng, ALLERGIES)) + ".")
        social = [
            s
            for s in SOCIAL_ADULT
            if (years < 70 or not s.startswith(("works", "student", "office", "nurse")))
            and (years >= 25 or not re.search("retired|wife|care package|pack-years|electrician|nurse|office", s))
        ]
        history.append(_cap(_pick(rng, tuple(social))) + ".")
        when = _pick(rng, ("in March", "last year", "in [DATE_1]", "6 months ago", "in 2022"))
        for r in rng.sample(OLD_RESULTS, k=2):
            history.append(_cap(r.replace("{when}", when)) + ".")
            when = _pick(rng, ("in the spring", "two years ago", "at a routine check", "in 2021"))
    presentation: list[str] = [key]
    negs = _negations(rng, case, feats, rng.randint(1, 3))
    for n in negs:
        presentation.append(f"{he_cap} {n}." if n.startswith("denies") else _cap(n) + ".")
    ctx = [
        x
        for x in CONTEXT_LINES
        if (not child or not re.search("work|mentions|right-handed|historian|reluctant|lunch|tea|covid|online", x))
        and (level > 2 or not re.search("historian|reluctant|lunch|mentions|right-handed", x))
    ]
    when = _pick(rng, ("last year", "two years ago", "in [DATE_1]", "in the spring"))
    presentation += [fill(x).replace("{when}", when) for x in rng.sample(ctx, k=min(9, len(ctx)))]
    presentation.append(_pick(rng, _ROS))
    history.append(_pick(rng, _FAMILY_HX))
    function = _FUNCTION if not child else ("Growth and development normal.", "Developmental milestones met.")
    history.append(f"Weight {_weight(age, rng)} kg." if rng.random() < 0.5 else fill(_pick(rng, function)))
    exam: list[str] = []
    if vit_sent:
        exam.append(vit_sent)
    low = context.lower()
    other = [f for f in _EXAM_NORMAL if f != c.family and not re.search(_EXAM_CLASH[f], low)]
    for f in rng.sample(other, k=min(4, len(other))):
        exam.append(_cap(_pick(rng, _EXAM_NORMAL[f])) + ".")
    extra_ok = [x for x, clash in _EXAM_EXTRA if not re.search(clash, low) and (level > 2 or "glucose" in x)]
    if extra_ok:
        exam.append(_pick(rng, tuple(extra_ok)))
    if level == 5:
        exam += [fill(x) for x in rng.sample(REASSURING_LOW, k=2)]
    elif level == 4:
        ok = [x for x in REASSURING_LOW if not re.search(r"walk|Mobilis|eating", x)]
        exam.append(fill(_pick(rng, tuple(ok))))
    irrel_pool = IRRELEVANT if not child else tuple(x for x in IRRELEVANT if "work" not in x)
    a1, a2, a3 = rng.sample(irrel_pool, k=3)
    aside = f"{_pick(rng, ('Incidentally,', 'Aside:', 'Unrelated:', 'FYI'))} {a1}."

    opening = _pick(rng, NARRATIVE_OPENINGS)
    case["opening"] = opening
    hx_label = {"sbar": "B:", "atmist": "Further history:", "mist": "Background:"}.get(opening, "")
    if opening == "referral":
        first = _pick(rng, (f"Dear Dr [NAME_2], thank you for seeing this {demo} who presents with {term} {dur}.",
                            f"Re: {demo}. I would be grateful if you could assess {him}; {he} has had {term} {dur}.",
                            f"Dear colleague, I am referring this {demo} with {term} {dur}."))  # fmt: skip
        closer = _pick(
            rng, ("Many thanks.", "Kind regards, Dr [NAME_2].", "Thank you for your help.", "Yours sincerely.")
        )
    elif opening == "handover":
        first = _pick(rng, (f"Handover: {sdemo} in bay {rng.randint(1, 20)}, {term} {dur}.",
                            f"Handing over a {demo}, came in with {term} {dur}.",
                            f"From the night team: {sdemo}, {term}, symptoms {dur}."))  # fmt: skip
        closer = _pick(rng, ("Over to you.", "Awaiting review.", "Any questions, bleep me.", ""))
    elif opening == "pt_is":
        first = f"{_pick(rng, ('Pt is a', 'Patient is a', 'Pt is an' if demo[0] in '8' else 'Pt is a'))} {demo} who {_pick(rng, ('presents with', 'attends with', 'comes in with'))} {term} {dur}."
        closer = _pick(rng, ("", "For review.", "Please see."))
    elif opening == "this_short":
        first = (
            f"This {sdemo} {_pick(rng, ('presented with', 'attends with', 'c/o', 'self-referred with'))} {term} {dur}."
        )
        closer = _pick(rng, ("", "For doctor review."))
    elif opening == "sbar":
        first = f"S: {sdemo}, {term} {dur}."
        closer = "R: please review."
    elif opening == "atmist":
        first = (f"ATMIST. A: {years if years >= 2 else sdemo} {sex}. T: {_pick(rng, ('onset', 'called'))} "
                 f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}. M: {term}. I: see below.")  # fmt: skip
        closer = _pick(rng, ("T: nil given en route.", "T: position of comfort.", "T: reassurance."))
    elif opening == "mist":
        first = f"MIST handover from crew. M: {term} {dur}. I/S: as below."
        closer = "T: nil en route."
    elif opening == "summary":
        first = _pick(rng, (f"Case summary: {demo}, {term} {dur}.", f"Summary: {demo} presenting with {term}."))
        closer = ""
    elif opening == "gp_call":
        first = f"GP phoned ahead about this {demo} seen in surgery today with {term} {dur}."
        closer = _pick(rng, ("GP letter to follow.", "GP happy to discuss.", ""))
    else:
        first = f"Ward note: {demo}, reviewed for {term} {dur}."
        closer = _pick(rng, ("", "Will reassess."))

    # Choose distractors to reach a target length; the key and vitals always stay.
    target = rng.randint(100, 235)
    rng.shuffle(history)
    rest_p = presentation[1:]
    rng.shuffle(rest_p)
    rest_e = exam[1:] if vit_sent else exam[:]
    rng.shuffle(rest_e)
    aside2 = f"{_pick(rng, ('Also', 'Of no relevance:', 'Note:'))} {a2}."
    pool = [("h", s) for s in history] + [("p", s) for s in rest_p] + [("e", s) for s in rest_e]
    aside3 = f"{_pick(rng, ('Incidentally,', 'PS:'))} {a3}."
    pool += [("a", aside), ("a", aside2), ("a", aside3)]
    rng.shuffle(pool)
    impression = _impression(rng, case) if rng.random() < 0.3 else ""
    base_words = len(" ".join((ph, first, key, vit_sent, impression, closer)).split())
    chosen: list[tuple[str, str]] = []
    words = base_words
    for item in pool:
        if words >= target:
            break
        chosen.append(item)
        words += len(item[1].split())
    extra = iter(IRRELEVANT)
    while words < 100:
        item = ("a", f"Aside: {next(extra)}.")
        chosen.append(item)
        words += len(item[1].split())
    while words > 250 and chosen:
        words -= len(chosen.pop()[1].split())

    def group(tag: str) -> list[str]:
        return [s for t, s in chosen if t == tag]

    pres = group("p")
    pres.insert(rng.randint(0, len(pres)), key)
    ex = group("e")
    if vit_sent:
        ex.insert(rng.randint(0, min(1, len(ex))), vit_sent)
    hist = group("h")
    if hx_label and hist:
        hist[0] = f"{hx_label} {hist[0]}"
    if opening == "sbar":
        pres[0] = f"A: {pres[0]}"
        order = [hist, pres, ex]
    elif opening in ("atmist", "mist"):
        order = [pres, ex, hist]
    else:
        order = [pres, hist, ex]
        if rng.random() < 0.4:
            order = [hist, pres, ex]
    body = [s for g in order for s in g] + group("a")
    case["distractors"] = len(chosen)
    parts = [ph, first, *body, impression, closer]
    return " ".join(p for p in parts if p)


def _impression(rng: random.Random, case: dict[str, Any]) -> str:
    """The writer's own summary line, as real presentations end (only where the tier states one)."""
    tier: Tier = case["tier"]
    if case["mod"] != "none":
        return ""
    if tier.code in ("A", "B") and tier.reason:
        reason = re.sub(r"\s*\([^)]*\)", "", tier.reason).strip()
        return f"{_pick(rng, ('Impression:', 'Working impression:', 'Concern:', 'Imp:'))} {reason}."
    names = re.sub(r"\s*\([^)]*\)", "", tier.resource_names).strip()
    if not names:
        return ""
    return f"{_pick(rng, ('Plan:', 'Plan -', 'Likely needs'))} {names}."


def _cap(s: str) -> str:
    return s[0].upper() + s[1:] if s else s


def _record(rng: random.Random, case: dict[str, Any], idx: int, seed: int, style: str) -> dict[str, Any]:
    c: Complaint = case["complaint"]
    text = _render(rng, case, style)
    clean = text
    if style not in ("narrative", "run_on") and rng.random() < 0.25:
        text = add_typos(text, rng, rng.randint(1, 3))
    elif style == "narrative" and rng.random() < 0.1:
        text = add_typos(text, rng, 1)
    if style == "nurse_note":
        text = abbreviate(text, rng, p=0.8)
    elif style == "run_on":
        text = run_on(text, rng)
        if rng.random() < 0.5:
            text = add_typos(text, rng, rng.randint(1, 3))
    if style in ("one_line", "shorthand", "nurse_note") and rng.random() < 0.3:
        text = lowercase_keep_placeholders(text)
        clean = clean.lower()
    elif style in ("one_line", "shorthand", "nurse_note") and rng.random() < 0.05:
        text = text.upper()  # some systems and some nurses type in capitals
    case["facts"]["noisy"] = text != clean
    case["facts"]["required_phrases"] = case["required_feats"]
    facts = case["facts"]
    v = facts["vitals"]
    shown = {}
    keys = case.get("shown", set())
    for k in ("hr", "rr", "sbp", "dbp", "spo2", "temp_c", "gcs", "avpu", "pain"):
        key = "bp" if k in ("sbp", "dbp") else k
        if v.get(k) is not None and key in keys:
            shown[k] = v[k]
    age_days = facts["age_days"]
    rec: dict[str, Any] = {
        "id": f"s{seed}-{idx:06d}",
        "text": text,
        "level": case["decision"].level,
        "criterion": case["decision"].criterion,
        "complaint": c.cid,
        "family": c.family,
        "template": _template_id(case),
        "style": style,
        "split": split_for(c.cid),
        "age": round(age_days / 365, 2) if age_days < 2 * 365 else age_days // 365,
        "sex": case["sex"],
        "pregnant": case["pregnant"],
        "facts": facts,
    }
    if shown:
        rec["vitals"] = shown
    if style == "narrative":
        rec["opening"] = case["opening"]
        rec["distractors"] = case["distractors"]
    return rec


def _template_id(case: dict[str, Any]) -> str:
    tier: Tier = case["tier"]
    kind = f"R{tier.resources}" if tier.code == "R" else tier.code
    return f"{case['complaint'].cid}.t{case['tier_index']}{kind}.{case['mod']}"


_STYLE_WEIGHTS = {
    "one_line": 0.12,
    "shorthand": 0.11,
    "nurse_note": 0.08,
    "clinical": 0.11,
    "narrative": 0.18,
    "lay_first": 0.09,
    "lay_second": 0.06,
    "lay_third": 0.09,
    "phone": 0.08,
    "run_on": 0.08,
}


def generate(config: CorpusConfig | None = None) -> Iterator[dict[str, Any]]:
    """Yield ``config.size`` labelled records, deterministic for ``config.seed``."""
    cfg = config or CorpusConfig()
    rng = random.Random(cfg.seed)
    train_pool = [c for c in COMPLAINTS if split_for(c.cid) == "train"]
    val_pool = [c for c in COMPLAINTS if split_for(c.cid) == "validation"]
    levels = list(LEVEL_WEIGHTS)
    lw = list(LEVEL_WEIGHTS.values())
    styles = list(_STYLE_WEIGHTS)
    sw = list(_STYLE_WEIGHTS.values())
    idx = 0
    while idx < cfg.size:
        level = rng.choices(levels, weights=lw, k=1)[0]
        pool = val_pool if rng.random() < len(val_pool) / len(COMPLAINTS) else train_pool
        case = None
        for _ in range(40):
            case = _sample_case(rng, level, pool)
            if case is not None:
                break
        if case is None:
            continue
        style = rng.choices(styles, weights=sw, k=1)[0]
        yield _record(rng, case, idx, cfg.seed, style)
        idx += 1


def write_jsonl(path: Path, config: CorpusConfig | None = None) -> int:
    """Write the corpus to ``path`` as JSON lines; returns the number of records."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for rec in generate(config):
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    return n
