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
    ),
    "unresponsive": ("not responding except to pain", "won't wake up", "unresponsive on arrival"),
    "shock": (
        "cold clammy peripheries, mottled, cap refill 5 s",
        "grey and sweaty, barely palpable pulse",
        "pale and clammy, looks shocked",
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
        if ph:
            sents.insert(0, ph)
        return " ".join(sents)

    if style == "narrative":
        return _narrative(rng, case, demo, feats, dur, neg, ph)

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


_CHILD_SOCIAL = (
    "lives with parents and a sibling",
    "attends nursery",
    "attends primary school",
    "lives with mum, dad works away",
    "is at secondary school",
    "lives with grandparents",
)
_ADULT_SOCIAL = (
    "lives with family",
    "lives alone and is independent",
    "works as a teacher",
    "is retired",
    "is a student",
    "works in retail",
    "cares for an elderly parent",
    "works as a bus driver",
)
_TESTS: dict[str, tuple[str, ...]] = {
    "respiratory": ("peak flow 420", "chest X-ray from last year unremarkable"),
    "cardiovascular": ("ECG at GP last month sinus rhythm",),
    "gastrointestinal": ("urine dip negative for ketones",),
    "neurological": ("capillary glucose 6.1",),
    "skin": ("no recent bloods on file",),
    "ENT": ("urine dip unremarkable",),
}


def _narrative(
    rng: random.Random, case: dict[str, Any], demo: str, feats: list[str], dur: str, neg: list[str], ph: str
) -> str:
    c: Complaint = case["complaint"]
    facts = case["facts"]
    sex = case["sex"]
    he_cap = "He" if sex == "M" else "She"
    his = "his" if sex == "M" else "her"
    v = facts["vitals"]
    intro = _pick(
        rng,
        (
            f"Thank you for seeing this {demo}, who presents with {_term(rng, c, False)} {dur}.",
            f"Case summary: {demo} with a presenting complaint of {_term(rng, c, False)} {dur}.",
            f"I would be grateful if you could assess this {demo} who attended today with {_term(rng, c, False)}.",
            f"{demo[0].upper() + demo[1:]}, referred with {_term(rng, c, False)}, symptoms present {dur}.",
        ),
    )
    core = [intro]
    core.append(f"{he_cap} describes {feats[0]}.")
    for f in feats[1:]:
        core.append(f"On further questioning, {f}.")
    optional: list[str] = []
    if neg:
        optional.append(f"Pertinent negatives: {', '.join(neg)}.")
    if facts["age_days"] < 16 * 365:
        optional.append(f"Past history: {'; '.join(rng.sample(_child_history(facts['age_days']), 2))}.")
        optional.append(f"Socially, {he_cap.lower()} {_pick(rng, _CHILD_SOCIAL)}.")
        optional.append(
            f"{he_cap} takes {_pick(rng, ('no regular medication', 'an inhaler as needed', 'vitamin D drops', 'emollients'))} and has {_pick(rng, ('no known drug allergies', 'a penicillin allergy', 'no allergies'))}."
        )
    else:
        h1, h2 = history_for(facts["age_days"], sex, rng), history_for(facts["age_days"], sex, rng)
        optional.append(f"Past medical history includes {h1} and {h2}." if h1 != h2 else f"Past medical history: {h1}.")
        optional.append(
            f"{he_cap} takes {_pick(rng, ('no regular medication', 'amlodipine 5 mg', 'sertraline 50 mg', 'levothyroxine', 'omeprazole', 'an inhaler as needed', 'metformin'))} and reports {_pick(rng, ('no known drug allergies', 'a penicillin allergy (rash)', 'no allergies'))}."
        )
        social = [
            x for x in _ADULT_SOCIAL if facts["age_days"] < 70 * 365 or not x.startswith(("works", "is a student"))
        ]
        optional.append(
            f"Socially, {he_cap.lower()} {_pick(rng, tuple(social))} and {_pick(rng, ('does not smoke', 'smokes 10 a day', 'drinks socially', 'stopped smoking last year'))}."
        )
    other = [f for f in _EXAM_NORMAL if f != c.family]
    fam = rng.sample(other, k=2)
    exam = [_pick(rng, _EXAM_NORMAL[f]) for f in fam]
    keys = _vital_keys(rng, case, full=True)
    vit = render_vitals(v, keys, rng, prefix=False) if keys else ""
    core.append(
        f"On examination {his} observations were {vit}; {exam[0]}, {exam[1]}."
        if vit
        else f"On examination {exam[0]}, {exam[1]}."
    )
    optional.append(f"Investigations so far: {_pick(rng, _TESTS[fam[0]])}.")
    optional.append(
        f"{_pick(rng, ('Of note (not clinically relevant):', 'Aside:', 'Incidentally,'))} {_pick(rng, IRRELEVANT)}."
    )
    optional.append(
        _pick(
            rng,
            (
                "The family are present and supportive.",
                "Collateral history was obtained from the ambulance crew.",
                f"{he_cap} has not had similar episodes before.",
                f"{he_cap} tried paracetamol at home with limited effect.",
                "There is no relevant family history.",
                f"{he_cap} is able to give a clear history.",
                "The GP letter is attached for reference.",
                f"{he_cap} had not eaten since breakfast.",
            ),
        )
    )
    optional.append(
        _pick(
            rng,
            (
                "Symptoms have been fluctuating over the period described.",
                f"{he_cap} was seen by a pharmacist first who advised attendance.",
                "Immunisations are reported as up to date.",
                "No recent hospital admissions.",
                "Travel history is unremarkable.",
                "Parent/carer reports no recent sick contacts.",
            ),
        )
    )
    extra_pool = [
        f"{he_cap} {_pick(rng, ('first noticed this', 'became aware of the problem', 'says it started'))} "
        f"{_pick(rng, ('while at work', 'at home in the evening', 'on waking', 'while shopping', 'after dinner'))}.",
        f"Review of systems is otherwise {_pick(rng, ('unremarkable', 'negative apart from tiredness', 'non-contributory'))}.",
        f"{he_cap} {_pick(rng, ('has not taken any', 'has tried some'))} over-the-counter remedies and "
        f"{_pick(rng, ('has been sleeping poorly', 'is managing at home', 'has been off work', 'has cancelled plans'))}.",
        f"A further set of observations {_pick(rng, ('was taken 15 minutes later and was similar', 'is pending', 'will be repeated'))}.",
        f"{he_cap} was {_pick(rng, ('accompanied by a friend', 'brought by a relative', 'alone', 'dropped off by a neighbour'))}"
        f" and {_pick(rng, ('answered questions appropriately', 'was a little anxious', 'was keen to go home', 'asked about waiting times'))}.",
        f"Examination of the {_pick(rng, ('ears', 'throat', 'skin', 'lymph nodes'))} was {_pick(rng, ('normal', 'unremarkable'))}"
        f" and capillary refill was under 2 seconds peripherally.",
        f"{_pick(rng, ('There was a previous attendance', 'A previous similar episode'))} "
        f"{_pick(rng, ('two years ago', 'last spring', 'in [DATE_1]'))} which settled without follow-up.",
        f"Medication reconciliation: {_pick(rng, ('no changes in the last month', 'recently finished a course of antibiotics', 'started a new inhaler last week'))}.",
        "Safeguarding screen was completed and no concerns were identified.",
        f"Weight is recorded as {rng.randint(8, 95) if facts['age_days'] < 16 * 365 else rng.randint(48, 120)} kg.",
    ]
    optional += rng.sample(extra_pool, k=rng.randint(3, len(extra_pool)))
    if ph:
        optional.insert(0, ph)
    rng.shuffle(optional)
    closer = _pick(
        rng,
        (
            "Many thanks for your help.",
            "I would appreciate your assessment.",
            "Kind regards, Dr [NAME_2].",
            "Thank you.",
            "",
        ),
    )
    sents = core[:2] + core[2:-1] + [core[-1]]
    text = " ".join(sents)
    target = rng.randint(100, 235)
    for o in optional:
        if len(text.split()) >= target:
            break
        text += " " + o
    if closer:
        text += " " + closer
    words = text.split()
    while len(words) > 250 and optional:
        text = text.replace(" " + optional.pop(), "")
        words = text.split()
    extra = iter(IRRELEVANT)
    while len(words) < 100:
        text += f" Aside: {next(extra)}."
        words = text.split()
    return text


def _record(rng: random.Random, case: dict[str, Any], idx: int, seed: int, style: str) -> dict[str, Any]:
    c: Complaint = case["complaint"]
    text = _render(rng, case, style)
    clean = text
    if style != "narrative" and rng.random() < 0.25:
        text = add_typos(text, rng, rng.randint(1, 3))
    elif style == "narrative" and rng.random() < 0.1:
        text = add_typos(text, rng, 1)
    if style in ("one_line", "shorthand") and rng.random() < 0.3:
        text = lowercase_keep_placeholders(text)
        clean = clean.lower()
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
    return rec


def _template_id(case: dict[str, Any]) -> str:
    tier: Tier = case["tier"]
    kind = f"R{tier.resources}" if tier.code == "R" else tier.code
    return f"{case['complaint'].cid}.t{case['tier_index']}{kind}.{case['mod']}"


_STYLE_WEIGHTS = {
    "one_line": 0.17,
    "shorthand": 0.17,
    "clinical": 0.16,
    "narrative": 0.14,
    "lay_first": 0.12,
    "lay_second": 0.1,
    "lay_third": 0.14,
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
