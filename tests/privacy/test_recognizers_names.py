"""Span table: names of patients, relatives and clinicians, mixed case and UPPER CASE."""

from __future__ import annotations

import pytest

from tests.privacy.span_table import recognizer_spans, redactor_spans
from triage_app.privacy.recognizers.names import NameRecognizer

N = "NAME"

NAME_TABLE: list[tuple[str, list[tuple[str, str]]]] = [
    ("Seen by Dr. Rakusin this morning.", [("Rakusin", N)]),
    ("DR GREEN AWARE OF K 3.1", [("GREEN", N)]),
    ("per dr green, hold lasix", [("green", N)]),
    ("Mr. Behrle is an 84 year old man", [("Behrle", N)]),
    ("mrs. park ate some oatmeal", [("park", N)]),
    ("MR. EDWIN PRZYBYLO IS AN 83 YR OLD MALE", [("EDWIN PRZYBYLO", N)]),
    ("Wife Carol called at 4am", [("Carol", N)]),
    ("SON ROB WILL VISIT", [("ROB", N)]),
    ("social- son bill called twice", [("bill", N)]),
    ("daughter is mrs. marcela carlson, tel later", [("marcela carlson", N)]),
    ("sons David and Theodore visited", [("David", N), ("Theodore", N)]),
    ("Jean Hudson, RN", [("Jean Hudson", N)]),
    ("FRANCIS G. LEVINE, RRT", [("FRANCIS G. LEVINE", N)]),
    ("anita morris rn", [("anita morris", N)]),
    ("AS PER E. WELSH: BILAT PLEURAL EFFUSIONS", [("E. WELSH", N)]),
    ("grace dudak aware of cap refill", [("grace dudak", N)]),
    ("spoke with Margaret about the plan", [("Margaret", N)]),
    ("Pt's name is Eleanor Whitcombe.", [("Eleanor Whitcombe", N)]),
    ("Dr Foley inserted a Foley catheter", [("Foley", N)]),
    ("Radu Crosson was contacted by the team", [("Radu Crosson", N)]),
    ("pt john smith c/o sob since this morning", [("john smith", N)]),
    ("pt John Brown c/o sob", [("John Brown", N)]),
    ("Patient: SMITH, John. sob since this morning", [("SMITH, John", N)]),
    ("Dr Lucie Lange, Dr Will Cole (attending)", [("Lucie Lange", N), ("Will Cole", N)]),
    ("SPOKE WITH HO SCHWARZ REGARDING PLAN", [("SCHWARZ", N)]),
    ("A BROTHER VINNY AND A SISTER", [("VINNY", N)]),
    # a lowercase word after a capitalised name is not a surname, even when it is one ("Fell")
    ("Mr John Smith fell off a ladder", [("John Smith", N)]),
    ("Mr Smith fell at home", [("Smith", N)]),
    # a capitalised surname that is also a word is still part of the name after a title
    ("Mrs Jane Doe fell at home", [("Jane Doe", N)]),
    ("Dr Amy Baker aware of the plan", [("Amy Baker", N)]),
    ("Transferred from Calvert Hospital after a fall", [("Calvert", N)]),
    # a lowercase surname after a capitalised first name stays part of the name
    ("Pt's wife Mary brown at bedside", [("Mary brown", N)]),
    ("Spoke with son Tom hill", [("Tom hill", N)]),
    ("Mrs Sue white fell", [("Sue white", N)]),
    ("mr john smith fell off a ladder", [("john smith", N)]),
    ("spoke with john fell about the plan", [("john fell", N)]),
    ("Dr Anna van Dijk aware", [("Anna van Dijk", N)]),
    # a capitalised word that is no surname after a cued first name is not part of the name
    ("Nurse Kate Triage complete", [("Kate", N)]),
    ("Dr Sarah Neuro reviewed", [("Sarah", N)]),
    ("Mother Sarah Reports fever", [("Sarah", N)]),
]

NOT_NAMES: list[str] = [
    "Parkinson's disease with tremor, Bell's palsy on the left",
    "Glasgow coma scale 14, Babinski downgoing, Murphy's sign positive",
    "Foley catheter draining, Swan-Ganz in place, Jackson-Pratt drain",
    "O2 at 3L NP, sats 93%",
    "sr w/occ pvc's, no VEA noted",
    "daughter states pt felt short of breath",
    "Temp rose to 101, will mark the site, frank blood in the drain",
    "Resp Care Note: pt remains on mech vent",
    "captopril dose held today, Lopressor held",
    "Neuro: Alert and oriented, MAE, PERRL",
    "Given lasix 40 mg IV with good diuresis",
    "pt speaks Russian and some English",
    "Braden score 14, Wells score 4, CIWA 18",
]


@pytest.mark.parametrize(("text", "expected"), NAME_TABLE)
def test_name_recognizer_span_table(text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(NameRecognizer, text) == expected


@pytest.mark.parametrize("text", NOT_NAMES)
def test_clinical_words_are_not_names(text: str) -> None:
    assert [s for s in redactor_spans(text) if s[1] == "NAME"] == []
