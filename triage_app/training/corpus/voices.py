"""Writer voices and narrative building blocks: openings, distractors, reassurance, run-on text.

Everything here changes wording only; nothing here changes a label. Narrative distractors are
history, medication, social, examination and old-result sentences that are true of nobody's
acuity: past events are written as past and stable, negations only name red flags the case does
not have (the generator filters them), and reassurance is offered only for levels 4-5.
"""

from __future__ import annotations

import random
import re

__all__ = [
    "NARRATIVE_OPENINGS",
    "PAST_HISTORY_STABLE",
    "MEDS",
    "ALLERGIES",
    "SOCIAL_ADULT",
    "SOCIAL_CHILD",
    "OLD_RESULTS",
    "CONTEXT_LINES",
    "REASSURING_LOW",
    "PHONE_OPENERS",
    "LOW_ACUITY_LEADS",
    "run_on",
]

# Opening kinds for long presentations; the generator fills in the case.
NARRATIVE_OPENINGS: tuple[str, ...] = (
    "referral",
    "handover",
    "pt_is",
    "this_short",
    "sbar",
    "atmist",
    "mist",
    "summary",
    "gp_call",
    "ward_note",
)

# Past events that are settled: "h/o MI 2015, stable" reads scary but decides nothing today.
PAST_HISTORY_STABLE: tuple[str, ...] = (
    "h/o MI {y}, stented, no symptoms since",
    "previous TIA {y} with full recovery",
    "HTN and hypercholesterolaemia",
    "background of well-controlled type 2 diabetes",
    "hx of PE {y}, completed anticoagulation",
    "known GORD",
    "previous cholecystectomy",
    "previous breast cancer {y}, in remission",
    "CKD stage 2, stable renal function at last check",
    "AF, rate controlled, anticoagulation stopped by cardiology {y}",
    "osteoarthritis of both knees",
    "past history of anxiety, well at present",
    "childhood asthma, no inhaler use for years",
    "benign prostatic hypertrophy",
    "previous knee arthroscopy",
    "hypothyroidism on replacement",
    "remote history of a seizure as a teenager, none since",
    "migraine, infrequent",
    "gout, last flare {y}",
    "no significant past medical history",
    "nil of note",
    "unremarkable apart from a fractured wrist years ago",
)

MEDS: tuple[str, ...] = (
    "DH: nil regular",
    "takes ramipril 5 mg and atorvastatin 20 mg",
    "medications: levothyroxine 100 mcg OD",
    "on omeprazole 20 mg",
    "DH: sertraline 100 mg, no recent changes",
    "uses salbutamol PRN, rarely",
    "takes the combined pill",
    "on bisoprolol 2.5 mg and amlodipine",
    "takes vitamin D and calcium",
    "no regular medications, occasional ibuprofen",
    "metformin 500 mg BD",
    "on tamsulosin",
    "DH: co-codamol PRN for knees",
)

ALLERGIES: tuple[str, ...] = (
    "NKDA",
    "no known drug allergies",
    "allergic to penicillin (rash)",
    "allergy: codeine (vomiting)",
    "allergies: plasters",
    "NKDA, hay fever only",
)

SOCIAL_ADULT: tuple[str, ...] = (
    "lives with partner, independent",
    "SH: lives alone, fully independent, drives",
    "works as an electrician",
    "office worker, non-smoker",
    "ex-smoker (20 pack-years), drinks ~14 units/week",
    "lives with two flatmates, occasional alcohol",
    "retired postman, lives with wife",
    "care package once daily, mobilises with a stick",
    "nurse on nights, smokes 5/day",
    "student, social drinker, no recreational drugs",
)

SOCIAL_CHILD: tuple[str, ...] = (
    "lives with both parents and an older sister",
    "attends nursery three days a week",
    "in year 4 at school, doing well",
    "no social services involvement",
    "immunisations up to date per red book",
    "born at 39 weeks by SVD, no NICU stay",
    "growing along the 50th centile",
)

OLD_RESULTS: tuple[str, ...] = (
    "bloods at the GP {when} showed normal FBC and U&E",
    "HbA1c {when} was 52",
    "an echo {when} showed good LV function",
    "a chest X-ray {when} was clear",
    "last ECG on file ({when}) was sinus rhythm",
    "cholesterol {when} was 5.1",
    "colonoscopy {when} was normal",
    "a CT head {when} for an unrelated fall was normal",
    "last eGFR ({when}) was 68",
)

CONTEXT_LINES: tuple[str, ...] = (
    "{He} had tried paracetamol at home with partial effect.",
    "{He} is a reliable historian.",
    "Collateral from the {rel}, who is with {him}.",
    "{He} was reluctant to come in but was persuaded by family.",
    "{He} has been off work for a day.",
    "{He} has not travelled recently.",
    "Nil similar episodes before.",
    "{He} ate a light lunch today.",
    "{He} attended the GP for an unrelated matter last month.",
    "No recent hospital admissions.",
    "{He} has no known sick contacts.",
    "The {rel} is worried and asks about visiting times.",
    "{He} is right-handed.",
    "{He} mentions that the car is in a short-stay bay.",
    "{He} came straight from the pharmacy, who suggested attending.",
    "Symptoms have fluctuated rather than progressed.",
    "{He} looked up the symptoms online and is anxious.",
    "The {rel} drove {him} in.",
    "Nothing like this has happened before, per the {rel}.",
    "{He} has had a poor night's sleep.",
    "{He} last saw the practice nurse for a routine review.",
    "Appetite reduced since the start of this.",
    "Tetanus status is up to date.",
    "{He} has had both covid vaccines and a booster.",
    "{He} had a cup of tea in the waiting room.",
    "Interpreter not required.",
    "The {rel} has brought a list of medications.",
    "{He} is keen to be seen quickly as the {rel} has to get back.",
    "No recent antibiotics.",
    "Seen in this department {when} for something unrelated.",
)

# Only for levels 4-5: the patient is well, and the note says so.
REASSURING_LOW: tuple[str, ...] = (
    "{He} looks well and is chatting comfortably.",
    "Mobilising independently around the department.",
    "{He} is eating and drinking normally.",
    "Alert, orientated, talking in full sentences, colour good.",
    "Not in any obvious distress.",
    "{He} walked in from the car park unaided.",
    "Well perfused, warm peripheries.",
    "Sitting comfortably on the trolley, using {his} phone.",
)

PHONE_OPENERS: tuple[str, ...] = (
    "Phone triage call from {caller}.",
    "Tel call - {caller} ringing about {who}.",
    "Telephone advice line: {caller} calling.",
    "Call back to {caller} re {who}.",
    "111-style call, {caller} on the line.",
)

# Ways a minor or administrative visit is introduced (levels 4-5), many registers.
LOW_ACUITY_LEADS: tuple[str, ...] = (
    "Not urgent but",
    "Just popped in because",
    "Quick one -",
    "Sorry, probably nothing, but",
    "Here today as",
    "Walk-in:",
    "Attends requesting help as",
    "Self-presented because",
    "Nothing serious, just",
    "Came in as the GP is closed and",
    "Routine query:",
    "Minor:",
)

_CONTRACTIONS = (
    (r"\bI'm\b", "im"),
    (r"\bdon't\b", "dont"),
    (r"\bcan't\b", "cant"),
    (r"\bwon't\b", "wont"),
    (r"\bit's\b", "its"),
    (r"\bhe's\b", "hes"),
    (r"\bshe's\b", "shes"),
    (r"\bdoesn't\b", "doesnt"),
    (r"\bI've\b", "ive"),
)
_SENTENCE_END = re.compile(r"[.!?;:,]+(\s|$)")
_PLACEHOLDER = re.compile(r"(\[[A-Z_>0-9]+\])")


def run_on(text: str, rng: random.Random) -> str:
    """Rewrite text as a hurried message: no punctuation, dropped apostrophes, mostly lower-case."""
    for pattern, repl in _CONTRACTIONS:
        if rng.random() < 0.8:
            text = re.sub(pattern, repl, text, flags=re.I)
    joiners = (" ", " ", " ", " and ", " so ", " then ")
    text = _SENTENCE_END.sub(lambda m: rng.choice(joiners) if m.group(1) else "", text).strip()
    text = text.replace('"', "")
    if rng.random() < 0.8:
        text = "".join(p if _PLACEHOLDER.fullmatch(p) else p.lower() for p in _PLACEHOLDER.split(text))
    return re.sub(r"\s+", " ", text)
