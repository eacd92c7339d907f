"""NegEx-style context: (text, phrase, expected status) tables."""

from __future__ import annotations

import pytest

from triage_app.core.negation import clause_bounds, mention_context


@pytest.mark.parametrize(
    ("text", "phrase", "status"),
    [
        ("denies chest pain", "chest pain", "negated"),
        ("Denies Chest Pain.", "Chest Pain", "negated"),
        ("no LOC", "LOC", "negated"),
        ("chest pain, no sweating", "sweating", "negated"),
        ("no chest pain or sweating", "sweating", "negated"),
        ("without shortness of breath", "shortness of breath", "negated"),
        ("negative for stroke", "stroke", "negated"),
        ("chest pain denied", "chest pain", "negated"),
        ("stroke ruled out", "stroke", "negated"),
        ("h/o MI 2019, here for rash", "MI", "history"),
        ("history of stroke", "stroke", "history"),
        ("MI in 2019", "MI", "history"),
        ("seizure 3 years ago", "seizure", "history"),
        ("family history of aortic dissection", "aortic dissection", "history"),
        ("return if chest pain recurs", "chest pain", "hypothetical"),
        ("worried about stroke", "stroke", "hypothetical"),
        # current mentions
        ("chest pain radiating to jaw", "chest pain", "current"),
        ("denies fever but has chest pain", "chest pain", "current"),
        ("chest pain, denies fever", "chest pain", "current"),
        ("no fever. Now unresponsive", "unresponsive", "current"),
        ("no change in chest pain", "chest pain", "current"),
        ("not improving, wheezing", "wheezing", "current"),
        ("chest pain resolved on arrival", "chest pain", "current"),
        ("resolved chest pain", "chest pain", "current"),
        ("3 year old with fever", "fever", "current"),
        ("no known allergies; facial droop", "facial droop", "current"),
        # trigger too far away (more than 5 words)
        ("no trouble at home this morning until the sudden crushing chest pain", "crushing chest pain", "current"),
    ],
)
def test_mention_context(text: str, phrase: str, status: str) -> None:
    start = text.lower().index(phrase.lower())
    assert mention_context(text, start, start + len(phrase)).status == status


def test_clause_bounds_stop_at_punctuation_and_but() -> None:
    text = "denies fever, but chest pain now"
    start = text.index("chest")
    left, right = clause_bounds(text, start, start + len("chest pain"))
    assert text[left:right].strip() == "chest pain"


@pytest.mark.parametrize(
    ("text", "phrase", "status"),
    [
        ("No fever, neck stiffness, visual disturbance or vomiting.", "neck stiffness", "negated"),
        ("had no vomiting, headache or neck stiffness", "neck stiffness", "negated"),
        ("denies any thoughts of self-harm or suicide", "suicide", "negated"),
        ("h/o MI, stroke or TIA", "stroke", "history"),
        # a comma list closed by "and", or a long clause, is read as current (the safe way)
        ("No fever, crushing chest pain and sweating", "crushing chest pain", "current"),
        ("no fever, chest pain radiating to arm", "chest pain", "current"),
        ("no fever, he has been vomiting all week and now has neck stiffness or rash", "neck stiffness", "current"),
        ("no cough. Neck stiffness or rash", "Neck stiffness", "current"),
    ],
)
def test_negated_comma_lists(text: str, phrase: str, status: str) -> None:
    start = text.lower().index(phrase.lower())
    assert mention_context(text, start, start + len(phrase)).status == status
