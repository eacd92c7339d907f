"""Corpus invariants: labels follow their criteria, splits don't leak, coverage and styles hold."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from triage_app.training.corpus.complaints import COMPLAINTS
from triage_app.training.corpus.criteria import derive_level
from triage_app.training.corpus.generator import DEFAULT_SIZE, CorpusConfig, generate, split_for
from triage_app.training.corpus.styles import STYLES

PLACEHOLDER = re.compile(r"\[(NAME|DATE|PHONE|ID|ADDRESS|LOCATION|EMAIL|URL)_\d+\]|\[AGE>89\]")


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    return list(generate(CorpusConfig()))


def test_default_build_is_large_enough(corpus: list[dict[str, Any]]) -> None:
    assert DEFAULT_SIZE >= 20_000
    assert len(corpus) == DEFAULT_SIZE
    assert len({r["id"] for r in corpus}) == len(corpus)


def test_every_label_rederives_from_its_facts(corpus: list[dict[str, Any]]) -> None:
    for rec in corpus:
        decision = derive_level(rec["facts"])
        assert (decision.level, decision.criterion) == (rec["level"], rec["criterion"]), rec["id"]


def test_record_fields(corpus: list[dict[str, Any]]) -> None:
    required = {"id", "text", "level", "criterion", "complaint", "family", "template", "style", "split"}
    for rec in corpus[:2000]:
        assert required <= rec.keys()
        assert rec["level"] in (1, 2, 3, 4, 5)
        assert rec["split"] in ("train", "validation")
        assert rec["criterion"].startswith(("ESI", "CTAS"))
        assert rec["text"].strip()


def test_levels_roughly_balanced(corpus: list[dict[str, Any]]) -> None:
    counts = Counter(r["level"] for r in corpus)
    assert set(counts) == {1, 2, 3, 4, 5}
    for level in (1, 5):
        assert counts[level] / len(corpus) >= 0.12
    assert max(counts.values()) / len(corpus) <= 0.30


def test_splits_do_not_share_complaints_or_templates(corpus: list[dict[str, Any]]) -> None:
    by_split: dict[str, set[str]] = defaultdict(set)
    templates: dict[str, set[str]] = defaultdict(set)
    for rec in corpus:
        by_split[rec["split"]].add(rec["complaint"])
        templates[rec["split"]].add(rec["template"])
        assert rec["split"] == split_for(rec["complaint"])
    assert not by_split["train"] & by_split["validation"]
    assert not templates["train"] & templates["validation"]
    share = sum(r["split"] == "validation" for r in corpus) / len(corpus)
    assert 0.08 <= share <= 0.17
    assert {r["level"] for r in corpus if r["split"] == "validation"} == {1, 2, 3, 4, 5}


def test_coverage_of_complaints_families_and_populations(corpus: list[dict[str, Any]]) -> None:
    assert len({c.cid for c in COMPLAINTS}) >= 150
    assert len({r["complaint"] for r in corpus}) >= 150
    families = {r["family"] for r in corpus}
    for fam in (
        "mental_health",
        "trauma",
        "toxicology",
        "infection",
        "administrative",
        "paediatric",
        "obstetric_gynae",
    ):
        assert fam in families
    ages = [r["facts"]["age_days"] for r in corpus]
    assert any(a <= 28 for a in ages) and any(28 < a < 365 for a in ages)
    assert any(a >= 65 * 365 for a in ages) and any(r["pregnant"] for r in corpus)


def test_same_complaint_spans_levels(corpus: list[dict[str, Any]]) -> None:
    levels: dict[str, set[int]] = defaultdict(set)
    for rec in corpus:
        levels[rec["complaint"]].add(rec["level"])
    assert levels["chest_pain"] >= {1, 2, 3, 4, 5}
    assert sum(len(v) >= 3 for v in levels.values()) >= 100


def test_every_style_present_and_long_narratives_in_range(corpus: list[dict[str, Any]]) -> None:
    styles = Counter(r["style"] for r in corpus)
    assert set(styles) == set(STYLES)
    assert min(styles.values()) / len(corpus) >= 0.05
    for rec in corpus:
        if rec["style"] == "narrative":
            assert 100 <= len(rec["text"].split()) <= 250, rec["id"]
        elif rec["style"] == "one_line":
            assert len(rec["text"].split()) < 60


def test_placeholders_and_shorthand_present(corpus: list[dict[str, Any]]) -> None:
    with_ph = sum(bool(PLACEHOLDER.search(r["text"])) for r in corpus)
    assert 0.1 <= with_ph / len(corpus) <= 0.6
    texts = " ".join(r["text"] for r in corpus if r["style"] == "shorthand")
    for abbr in ("c/o", "SOB", "h/o", "x2d"):
        assert abbr.lower() in texts.lower()


def test_negated_red_flags_appear_at_low_acuity(corpus: list[dict[str, Any]]) -> None:
    low = [r for r in corpus if r["level"] >= 4 and "denies chest pain" in r["text"].lower()]
    assert low, "negated red flags must also appear in low-acuity records"


def test_driving_vitals_are_written_in_the_text(corpus: list[dict[str, Any]]) -> None:
    for rec in corpus:
        if rec["criterion"].startswith(("ESI A: SpO2", "ESI D: danger-zone SpO2")):
            assert str(rec["vitals"]["spo2"]) in rec["text"], rec["id"]
        if rec["criterion"].startswith("ESI D: danger-zone HR"):
            assert str(rec["vitals"]["hr"]) in rec["text"], rec["id"]


def test_label_driving_phrases_are_written(corpus: list[dict[str, Any]]) -> None:
    checked = 0
    for rec in corpus:
        if rec["facts"]["noisy"] or rec["style"] == "shorthand":
            continue  # typos and shorthand rewrite words on purpose
        text = rec["text"].lower()
        for phrase in rec["facts"]["required_phrases"]:
            assert phrase.lower().split(",")[0] in text, (rec["id"], phrase)
        checked += 1
    assert checked > len(corpus) // 2


def test_deterministic_for_a_seed() -> None:
    a = list(generate(CorpusConfig(size=300, seed=7)))
    b = list(generate(CorpusConfig(size=300, seed=7)))
    c = list(generate(CorpusConfig(size=300, seed=8)))
    assert a == b
    assert [r["text"] for r in a] != [r["text"] for r in c]


@pytest.mark.parametrize(
    ("facts", "level"),
    [
        ({"age_days": 40 * 365, "lsi": "anaphylaxis", "resources": 2, "vitals": {}}, 1),
        ({"age_days": 40 * 365, "resources": 2, "vitals": {"spo2": 86}}, 1),
        ({"age_days": 40 * 365, "resources": 0, "vitals": {"avpu": "U"}}, 1),
        ({"age_days": 60 * 365, "high_risk": "ACS", "resources": 3, "vitals": {}}, 2),
        ({"age_days": 21, "resources": 0, "vitals": {"temp_c": 38.3}}, 2),
        ({"age_days": 6 * 365, "resources": 0, "vitals": {"temp_c": 38.3}}, 5),
        ({"age_days": 30 * 365, "resources": 2, "vitals": {"hr": 130}}, 2),
        ({"age_days": 2 * 365, "resources": 2, "vitals": {"hr": 130}}, 3),
        ({"age_days": 30 * 365, "resources": 1, "vitals": {"hr": 130}}, 4),
        ({"age_days": 30 * 365, "resources": 2, "vitals": {"spo2": 91}}, 2),
        ({"age_days": 30 * 365, "resources": 2, "vitals": {"gcs": 12}}, 2),
        (
            {
                "age_days": 30 * 365,
                "resources": 1,
                "pain": 9,
                "pain_central": True,
                "pain_supported": False,
                "vitals": {},
            },
            4,
        ),
        (
            {
                "age_days": 30 * 365,
                "resources": 1,
                "pain": 9,
                "pain_central": True,
                "pain_supported": True,
                "vitals": {},
            },
            2,
        ),
        ({"age_days": 30 * 365, "resources": 0, "immunocompromised": True, "vitals": {"temp_c": 38.4}}, 2),
    ],
)
def test_derive_level_table(facts: dict[str, Any], level: int) -> None:
    assert derive_level(facts).level == level


def test_cli_build_writes_jsonl(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from triage_app.cli import main

    out = tmp_path / "c.jsonl"
    assert main(["corpus", "build", "--out", str(out), "--size", "200", "--seed", "3"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 200
    assert json.loads(lines[0])["id"].startswith("s3-")
    assert "200 records" in capsys.readouterr().out


def test_narratives_bury_the_deciding_fact_among_distractors(corpus: list[dict[str, Any]]) -> None:
    narratives = [r for r in corpus if r["style"] == "narrative"]
    assert len(narratives) / len(corpus) >= 0.12
    buried = 0
    for rec in narratives:
        assert rec["distractors"] >= 4, rec["id"]
        first_sentence = rec["text"].split(". ")[0].lower()
        phrase = rec["facts"]["required_phrases"][0].lower().split(",")[0]
        buried += phrase not in first_sentence
    assert buried / len(narratives) >= 0.9
    lengths = [len(r["text"].split()) for r in narratives]
    assert sum(n >= 175 for n in lengths) / len(lengths) >= 0.15  # not all at the 100-word floor


def test_narratives_vary_their_opening_at_every_level(corpus: list[dict[str, Any]]) -> None:
    from triage_app.training.corpus.voices import NARRATIVE_OPENINGS

    by_level: dict[int, set[str]] = defaultdict(set)
    for rec in corpus:
        if rec["style"] == "narrative":
            by_level[rec["level"]].add(rec["opening"])
    for level in (1, 2, 3, 4, 5):
        assert len(by_level[level]) >= len(NARRATIVE_OPENINGS) - 1, (level, by_level[level])
    texts = " ".join(r["text"] for r in corpus if r["style"] == "narrative")
    for marker in ("S: ", "ATMIST", "MIST handover", "Dear ", "Handover", "Pt is a"):
        assert marker in texts, marker


def test_narratives_carry_scary_but_irrelevant_content_at_low_acuity(corpus: list[dict[str, Any]]) -> None:
    low = [r["text"] for r in corpus if r["style"] == "narrative" and r["level"] == 5]
    assert any("h/o MI" in t for t in low)
    assert sum(bool(re.search(r"\b(no|denies) ", t, re.I)) for t in low) / len(low) >= 0.8


def test_reassurance_never_appears_in_high_acuity_narratives(corpus: list[dict[str, Any]]) -> None:
    from triage_app.training.corpus.voices import REASSURING_LOW

    stems = [x.replace("{He} ", "").replace("{his} ", "")[:25] for x in REASSURING_LOW]
    high = [r["text"] for r in corpus if r["style"] == "narrative" and r["level"] <= 3]
    for text in high:
        assert not any(s in text for s in stems), text
    low = [r["text"] for r in corpus if r["style"] == "narrative" and r["level"] == 5]
    assert sum(any(s in t for s in stems) for t in low) / len(low) >= 0.5


def test_level_five_is_written_many_ways(corpus: list[dict[str, Any]]) -> None:
    five = [r for r in corpus if r["level"] == 5]
    openings = {" ".join(r["text"].lower().split()[:3]) for r in five}
    assert len(openings) >= 1500
    assert len({r["complaint"] for r in five}) >= 100
    assert len({r["style"] for r in five}) == len(STYLES)
    admin = {r["complaint"] for r in five if r["family"] == "administrative"}
    assert {"inhaler_refill", "checkup", "repeat_prescription", "sick_note", "suture_removal"} <= admin


def test_new_voices_look_like_their_writers(corpus: list[dict[str, Any]]) -> None:
    by_style: dict[str, list[str]] = defaultdict(list)
    for rec in corpus:
        by_style[rec["style"]].append(rec["text"])
    for text in by_style["run_on"]:
        assert not re.search(r"[.,;:!?](\s|$)", text), text
    assert sum(t == t.lower() for t in by_style["run_on"]) / len(by_style["run_on"]) >= 0.5
    phone = [r["text"] for r in corpus if r["style"] == "phone" and not r["facts"]["noisy"]]
    assert phone and all(re.search(r"\b(call\w*|tel\w*|phone)\b", t, re.I) for t in phone)
    assert all("pmh" in t.lower() for t in by_style["nurse_note"])
    notes = " ".join(by_style["nurse_note"])
    for abbr in ("c/o", "NKDA", "O/E"):
        assert abbr.lower() in notes.lower(), abbr
