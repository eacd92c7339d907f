"""Span table: places written with ordinary words, found by context (ContextPlaceRecognizer).

The place names below are invented for the tests (not taken from any corpus); the
negative table is clinical text in which the same words must survive.
"""

from __future__ import annotations

import pytest

from tests.privacy.span_table import recognizer_spans, redactor_spans
from triage_app.privacy.recognizers.facilities import ContextPlaceRecognizer

L = "LOCATION"

FOUND = [
    # generic-name hospitals: the name word only, like "[LOCATION_1] Hospital"
    ("she thinks she is at the general hospital today", [("general", L)]),
    ("Knows she is in County Hospital this week", [("County", L)]),
    ("ADMITTED TO THE CITY HOSPITAL IN MAY", [("CITY", L)]),
    # campus parts
    ("radiation planning on South Campus this afternoon", [("South", L)]),
    ("TAKEN TO EAST PAVILION FOR MRI", [("EAST", L)]),
    # a preposition, up to two words, a facility word (any case)
    ("FAMILY SAYS THAT AT ORCHARD MEMORIAL SHE WAS FINE", [("ORCHARD MEMORIAL", L)]),
    ("transferred from Pine Crest Hospital overnight", [("Pine Crest", L)]),
    ("followed at Brookfield Clinic for years", [("Brookfield", L)]),
    # mixed case: a capitalised run after a movement or origin cue
    ("69 yo man transferred from Green Meadow s/p MI.", [("Green Meadow", L)]),
    ("Wants to go to Lighthouse and wait there", [("Lighthouse", L)]),
    ("Surgeon from Riverside in this evening to see pt.", [("Riverside", L)]),
    ("Oriented: knows she is in Quillfeather today.", [("Quillfeather", L)]),
    # case-less writing: everyday words up to a word no list knows, after a movement cue
    ("O: 69 YO MALE TRANSFERRED FROM GREEN ZELVORA S/P MI.", [("GREEN ZELVORA", L)]),
    ("pt went to little brenthurst yesterday", [("little brenthurst", L)]),
    # a bare geographic noun used as a name
    ("meeting at harbor tomorrow with the family", [("harbor", L)]),
    ("Pt went to Harbor on Tuesday c/o abd pain", [("Harbor", L)]),
    ("DAUGHTER IS AT THE BAY, PHONE ON CHART", [("BAY", L)]),
    ("Family lives near the Cape and visits weekly", [("Cape", L)]),
    # an employer before an organisation word
    ("he works for summit health and is retired soon", [("summit health", L)]),
    ("She works at Bright Star Insurance downtown", [("Bright Star Insurance", L)]),
    # a building number then an unknown word after a transfer cue
    ("pt transferred to 311 brindlecott this pm", [("brindlecott", L)]),
    # a facility word glued to a name
    ('states he is in the hospital ("MapletonBuilding")', [("MapletonBuilding", L)]),
    # DC is a city
    ("health care proxy lives in DC with her son", [("DC", L)]),
    ("moved from Washington, D.C. last year", [("D.C.", L)]),
]

KEPT = [
    "keep pain at bay with regular analgesia",
    "returned to the bay after CT, then moved to bay 4",
    "Patient back in sick bay. Bacteria likely to harbor in the line.",
    "General appearance: well. Admitted to a general hospital in 2010.",
    "Transferred from Emergency Department to ICU. Pt went to Radiology for CT.",
    "Seen by Cardiology; sent to Cath Lab then went to Recovery.",
    "transferred to 4 North after the OR. Pt is in Sinus Rhythm. He is in Atrial Fibrillation.",
    "She is at Risk for falls. Outside Hospital records reviewed. Brought from Home by EMS.",
    "Came from Nursing Home. Pt went to Dialysis this AM. Pt went to Physical Therapy.",
    "moved to North Carolina last year. Plan to DC foley. Foley DC'd. Switched from DC cardioversion.",
    "followed in Heart Failure Clinic, seen in Memory Clinic, referred to Fracture Clinic and Sleep Clinic.",
    "Pt is in Good spirits. Pt is in No distress. Pt was in Normal sinus rhythm.",
    "Pt went to Bathroom and then to Chair. Patient is now in Bed. Pt transferred to 2 units PRBC.",
    "Pt presented to ED with chest pain. Pt came in to Triage. She is in Labor.",
    "He is in Hospice care. Went to Palliative Care. He was at Respite.",
    "2 PIVS PLACED AT OUTSIDE HOSPITAL. Husband admitted to local hospital for a burn.",
    "Pt works for the hospital. She works at a bank. He works in health care.",
    "was in the ICU, Pt is in the bed, at the bedside, at the shore of recovery",
    "PMH, previous hospital course, see admission note. Went to outside hospital with CP.",
    "lives in Maryland with wife",
    "fell asleep on the beach and my back and shoulders are bright red",
    "WE WERE AT THE LAKE ALL DAY, THEN AT THE BEACH",
    "his anticoagulation clinic has closed; seen in antenatal clinic last week",
    "Pt returned to aerosol mask. Clot sent to blood bank. Cultures sent from pheresis line.",
    "TRANSFERRED TO FLOOR LATE TONIGHT. WENT TO CT SCAN. SENT TO CATH LAB. CAME FROM MICU BLUE.",
    "ADMITTED TO GREEN TEAM. TRANSFERRED FROM MAIN OR. WENT TO BATHROOM WITH ASSIST.",
    "returned from ir s/p tips, went to mri, came from the or, transferred to 2 north",
    "FOR POSSIBLE TRANSFER TO PCU LATER THIS DAY. REQUESTS TO GO TO COMMODE MULTIPLE TIMES.",
]


@pytest.mark.parametrize(("text", "expected"), FOUND)
def test_context_place_span_table(text: str, expected: list[tuple[str, str]]) -> None:
    assert recognizer_spans(ContextPlaceRecognizer, text) == expected


@pytest.mark.parametrize(("text", "expected"), FOUND)
def test_context_places_are_redacted_by_default(text: str, expected: list[tuple[str, str]]) -> None:
    surfaces = [s for s, _ in redactor_spans(text)]
    for surface, _ in expected:
        assert any(surface in s for s in surfaces), (surface, surfaces)


@pytest.mark.parametrize("text", KEPT)
def test_clinical_text_keeps_its_places_words(text: str) -> None:
    assert recognizer_spans(ContextPlaceRecognizer, text) == []
    assert [s for s in redactor_spans(text) if s[1] == "LOCATION"] == []


#: Department, area and bed-space words (UK and US) after movement cues: nothing is removed.
WARD_TALK = [
    "Transferred from Resus to Majors. Moved to Minors. Sent to Theatre then Recovery.",
    "Came from Theatres. Transferred to Paeds. Sent to Maternity. Referred to Physio.",
    "Went to X-ray. Sent to Imaging. Went to Outpatients. Presented to Triage.",
    "Sent from Walk-in Centre. Seen at Urgent Treatment Centre.",
    "Moved to Bay 4. Back to Room 12. Went to Chemist for paracetamol.",
    "Transferred to Cardiac Cath Lab. Transferred to Coronary Care. Went to Endoscopy.",
]


@pytest.mark.parametrize("text", WARD_TALK)
def test_ward_talk_is_not_redacted(text: str) -> None:
    assert redactor_spans(text) == []
