"""The training mix: generated corpus + hand-written cases, validated on the dev set."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from triage_app.core.errors import InputError
from triage_app.training.data_io import load_labelled_file, make_splits
from triage_app.training.mix import MixConfig, build_mix, source_counts
from triage_app.training.pipeline import HANDWRITTEN_DEV, HANDWRITTEN_TEST


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    rows = [{"text": f"generated case {i} level {lvl}", "level": lvl, "split": "train", "family": f"f{lvl}"}
            for lvl in range(1, 6) for i in range(30)]
    rows += [{"text": f"held out case {i} level {lvl}", "level": lvl, "split": "validation", "family": "v"}
             for lvl in range(1, 6) for i in range(4)]
    return _write(tmp_path / "corpus.jsonl", rows)


@pytest.fixture()
def handwritten(tmp_path: Path) -> list[Path]:
    rows = [{"id": f"h-{lvl}-{i}", "text": f"hand written note {i} for level {lvl}", "level": lvl}
            for lvl in range(1, 6) for i in range(3)]
    return [_write(tmp_path / "part.jsonl", rows)]


def test_mix_counts_repeats_and_samples_by_level(tmp_path: Path, corpus: Path, handwritten: list[Path]) -> None:
    out = tmp_path / "mix.jsonl"
    counts = build_mix(corpus, out, MixConfig(handwritten_repeat=3, corpus_cases=50), handwritten=handwritten)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    train = [r for r in rows if r["split"] == "train"]
    assert Counter(r["source"] for r in train) == {"generated": 50, "handwritten": 45}
    assert Counter(r["level"] for r in train if r["source"] == "generated") == {lvl: 10 for lvl in range(1, 6)}
    assert counts["handwritten_cases"] == 15 and counts["train_rows"] == 95
    assert source_counts(out) == Counter({"generated": 50, "handwritten": 45})


def test_validation_is_the_dev_set_and_never_the_test_set(tmp_path: Path, corpus: Path,
                                                           handwritten: list[Path]) -> None:
    out = tmp_path / "mix.jsonl"
    build_mix(corpus, out, MixConfig(), handwritten=handwritten)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    dev_texts = {json.loads(line)["text"] for line in HANDWRITTEN_DEV.read_text(encoding="utf-8").splitlines()}
    test_texts = {json.loads(line)["text"] for line in HANDWRITTEN_TEST.read_text(encoding="utf-8").splitlines()}
    validation = {r["text"] for r in rows if r["split"] == "validation"}
    assert validation == dev_texts
    assert not ({r["text"] for r in rows} & test_texts)
    splits = make_splits(load_labelled_file(out))
    assert len(splits.validation) == len(dev_texts)
    assert all(c.group == "dev" for c in splits.validation)


def test_corpus_validation_choice_and_determinism(tmp_path: Path, corpus: Path, handwritten: list[Path]) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    build_mix(corpus, a, MixConfig(validation="corpus", corpus_cases=20, seed=5), handwritten=handwritten)
    build_mix(corpus, b, MixConfig(validation="corpus", corpus_cases=20, seed=5), handwritten=handwritten)
    assert a.read_bytes() == b.read_bytes()
    rows = [json.loads(line) for line in a.read_text(encoding="utf-8").splitlines()]
    assert sum(r["split"] == "validation" for r in rows) == 20


def test_bad_options_give_clear_errors(tmp_path: Path, corpus: Path, handwritten: list[Path]) -> None:
    with pytest.raises(InputError, match="corpus build"):
        build_mix(tmp_path / "missing.jsonl", tmp_path / "o.jsonl", handwritten=handwritten)
    with pytest.raises(InputError, match="hand-written"):
        build_mix(corpus, tmp_path / "o.jsonl", handwritten=[])
    with pytest.raises(InputError, match="repeat"):
        build_mix(corpus, tmp_path / "o.jsonl", MixConfig(handwritten_repeat=0), handwritten=handwritten)


def test_cli_mix_can_leave_out_parts_by_name(tmp_path: Path, corpus: Path) -> None:
    from triage_app.cli import main

    def groups(out: Path) -> set[str]:
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        return {r["group"] for r in rows if r["source"] == "handwritten" and r["split"] == "train"}

    every, some = tmp_path / "all.jsonl", tmp_path / "some.jsonl"
    base = ["--data-dir", str(tmp_path / "d"), "corpus", "mix", "--corpus", str(corpus), "--corpus-cases", "10"]
    assert main([*base, "--out", str(every)]) == 0
    assert main([*base, "--out", str(some), "--exclude", "pairs_*", "--exclude", "lay_*"]) == 0
    assert any(g.startswith("pairs_") for g in groups(every)) and "lay_voices" in groups(every)
    assert groups(some) == {g for g in groups(every) if not g.startswith(("pairs_", "lay_"))}
