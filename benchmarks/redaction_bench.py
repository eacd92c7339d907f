"""Redaction quality and speed.

* PhysioNet deid gold corpus (real nursing notes with surrogate PHI): token-level recall per
  category and overall (``DateYear`` reported apart, outside the target), and precision.
  Read from ``$TRIAGE_DEID_CORPUS`` or ``../shared/data/physionet-deid`` next to the repo;
  skipped when absent. The corpus is never copied into the repository.
* Our own set (``tests/privacy/data/redaction_retention.jsonl``): clinical-content
  retention (share of non-PHI tokens left intact) and PHI recall.
* Throughput: notes per second and milliseconds per 100 words, one thread.

Run: ``.venv/bin/python -m benchmarks.redaction_bench [--show N]`` (``--show`` prints N
false positives and false negatives with context, for local reading only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT_JSON = REPO / "benchmarks" / "out" / "redaction_bench.json"
OUT_MD = REPO / "benchmarks" / "RESULTS_redaction.md"
RETENTION_SET = REPO / "tests" / "privacy" / "data" / "redaction_retention.jsonl"
TOKEN_RE = re.compile(r"[A-Za-z0-9]+")
TARGETS = {"overall": 0.99, "names": 0.98, "dates": 0.99, "retention": 0.99}
NAME_CATS = ("HCPName", "RelativeProxyName", "PTName", "PTNameInitial")
#: Figures before the context rules for places, history years and name joins (commit c382145),
#: measured by this script on the same corpus and set; shown beside the current ones.
BASELINE: dict[str, object] = {
    "label": "before (c382145)",
    "recall_overall_excl_dateyear": 0.9835,
    "recall_names": 0.9934,
    "recall_dates": 0.9913,
    "precision": 0.7424,
    "retention": 0.9994,
    "phi_recall": 1.0,
    "cpu_ms_per_100_words": 6.01,
    "recall_per_category": {
        "Date": 0.9913, "DateYear": 0.5294, "HCPName": 0.9977, "Location": 0.9336, "Other": 1.0, "PTName": 0.9697,
        "PTNameInitial": 1.0, "Phone": 1.0, "RelativeProxyName": 0.985,
    },
    "halves": {
        "odd patients": {"recall_overall_excl_dateyear": 0.9848, "recall_names": 0.9899, "recall_dates": 0.9974, "precision": 0.7191},
        "even patients": {"recall_overall_excl_dateyear": 0.9822, "recall_names": 0.9968, "recall_dates": 0.9838, "precision": 0.7698},
    },
}


@dataclass(frozen=True)
class Note:
    patient: str
    note: str
    text: str
    gold: tuple[tuple[int, int, str], ...]


def corpus_dir() -> Path | None:
    env = os.environ.get("TRIAGE_DEID_CORPUS")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data" / "physionet-deid"]:
        if (candidate / "id.text").is_file() and (candidate / "id-phi.phrase").is_file():
            return candidate
    return None


def load_corpus(folder: Path) -> list[Note]:
    raw = (folder / "id.text").read_text(encoding="utf-8", errors="replace")
    bodies = {
        (m.group(1), m.group(2)): m.group(3)
        for m in re.finditer(r"START_OF_RECORD=(\d+)\|\|\|\|(\d+)\|\|\|\|\n(.*?)\|\|\|\|END_OF_RECORD", raw, re.S)
    }
    gold: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for line in (folder / "id-phi.phrase").read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split(None, 5)
        if len(parts) >= 5:
            gold[(parts[0], parts[1])].append((int(parts[2]), int(parts[3]), parts[4]))
    return [Note(p, n, body, tuple(gold.get((p, n), ()))) for (p, n), body in bodies.items()]


def covered(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Every character of [start, end) lies inside some span."""
    pos = start
    for s, e in spans:
        if s <= pos < e:
            pos = e
            if pos >= end:
                return True
    return pos >= end


def evaluate_corpus(notes: list[Note], redactor: object, show: int) -> dict[str, object]:
    per_cat_total: Counter[str] = Counter()
    per_cat_hit: Counter[str] = Counter()
    pred_tokens = pred_correct = 0
    fps: list[str] = []
    fns: list[str] = []
    fp_words: Counter[str] = Counter()
    times: list[float] = []
    cpu = 0.0
    words = 0
    for note in notes:
        t0 = time.perf_counter()
        c0 = time.process_time()
        result = redactor.redact(note.text)  # type: ignore[attr-defined]
        cpu += time.process_time() - c0
        times.append(time.perf_counter() - t0)
        words += len(note.text.split())
        spans = sorted((s.start, s.end) for s in result.spans)
        gold_spans = sorted((s, e) for s, e, _ in note.gold)
        for m in TOKEN_RE.finditer(note.text):
            ts, te = m.span()
            cats = [c for s, e, c in note.gold if s < te and ts < e]
            is_pred = covered(ts, te, spans)
            if cats:
                cat = cats[0]
                per_cat_total[cat] += 1
                if is_pred:
                    per_cat_hit[cat] += 1
                elif len(fns) < 100000:
                    fns.append(f"[{cat}] ...{note.text[max(0, ts - 50):ts]!r} <<{m.group()}>> {note.text[te:te + 30]!r}")
            if is_pred:
                pred_tokens += 1
                if cats or covered(ts, te, gold_spans):
                    pred_correct += 1
                else:
                    fp_words[m.group().lower()] += 1
                    fps.append(f"...{note.text[max(0, ts - 50):ts]!r} <<{m.group()}>> {note.text[te:te + 30]!r}")
    target_cats = [c for c in per_cat_total if c != "DateYear"]
    total = sum(per_cat_total[c] for c in target_cats)
    hit = sum(per_cat_hit[c] for c in target_cats)
    name_total = sum(per_cat_total[c] for c in NAME_CATS)
    name_hit = sum(per_cat_hit[c] for c in NAME_CATS)
    if show:
        rng = random.Random(0)
        print(f"\n-- {min(show, len(fns))} false negatives (of {len(fns)})")
        for line in rng.sample(fns, min(show, len(fns))):
            print(line)
        print(f"\n-- {min(show, len(fps))} false positives (of {len(fps)})")
        for line in rng.sample(fps, min(show, len(fps))):
            print(line)
        print("\n-- most frequent false-positive words:", fp_words.most_common(60))
    return {
        "notes": len(notes),
        "gold_tokens": dict(per_cat_total),
        "recall_per_category": {c: round(per_cat_hit[c] / per_cat_total[c], 4) for c in sorted(per_cat_total)},
        "recall_overall_excl_dateyear": round(hit / total, 4) if total else None,
        "recall_names": round(name_hit / name_total, 4) if name_total else None,
        "recall_dates": round(per_cat_hit["Date"] / per_cat_total["Date"], 4) if per_cat_total["Date"] else None,
        "precision": round(pred_correct / pred_tokens, 4) if pred_tokens else None,
        "predicted_tokens": pred_tokens,
        "false_positive_tokens": pred_tokens - pred_correct,
        "missed_tokens_excl_dateyear": total - hit,
        "notes_per_s": round(len(notes) / sum(times), 1),
        "ms_per_note_median": round(statistics.median(times) * 1000, 2),
        "ms_per_100_words": round(sum(times) * 1000 / words * 100, 2),
        "cpu_ms_per_100_words": round(cpu * 1000 / words * 100, 2),
        "cpu_notes_per_s": round(len(notes) / cpu, 1) if cpu else None,
    }


def evaluate_retention(redactor: object) -> dict[str, object]:
    """Share of clinical (non-PHI) tokens left intact, and PHI recall, on our own set."""
    rows = [json.loads(line) for line in RETENTION_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    clinical = kept = phi = phi_hit = 0
    lost: Counter[str] = Counter()
    missed: list[str] = []
    for row in rows:
        text = row["text"]
        result = redactor.redact(text)  # type: ignore[attr-defined]
        spans = sorted((s.start, s.end) for s in result.spans)
        phi_spans: list[tuple[int, int]] = []
        for surface in row.get("phi", []):
            for m in re.finditer(re.escape(surface), text):
                phi_spans.append(m.span())
        phi_spans.sort()
        for m in TOKEN_RE.finditer(text):
            ts, te = m.span()
            touched = any(s < te and ts < e for s, e in spans)
            if any(s < te and ts < e for s, e in phi_spans):
                phi += 1
                phi_hit += covered(ts, te, spans)
                if not covered(ts, te, spans):
                    missed.append(m.group())
            else:
                clinical += 1
                kept += not touched
                if touched:
                    lost[m.group()] += 1
    return {
        "sentences": len(rows),
        "clinical_tokens": clinical,
        "retention": round(kept / clinical, 4) if clinical else None,
        "clinical_tokens_lost": dict(lost.most_common(30)),
        "phi_tokens": phi,
        "phi_recall": round(phi_hit / phi, 4) if phi else None,
        "phi_missed": missed[:30],
    }


def machine() -> str:
    return f"{platform.machine()} {os.cpu_count()}-core CPU, no GPU, Python {platform.python_version()}, shared with other engineers' jobs at the time"


def write_markdown(results: dict[str, object]) -> None:
    c = results.get("corpus")
    r = results["retention_set"]
    lines = ["## Redaction (PHI de-identification)", "", f"Machine: {results['machine']}.", ""]
    if isinstance(c, dict):
        b = BASELINE
        lines += [
            f"PhysioNet deid gold corpus, development portion ({c['notes']} notes). Token-level: a gold token counts as",
            "recalled when every character of it is inside a redaction span of any label.",
            "",
            f"| measure | now | {b['label']} | target |",
            "|---|---|---|---|",
            f"| recall, overall (excl. DateYear) | {c['recall_overall_excl_dateyear']} | {b['recall_overall_excl_dateyear']} | ≥ {TARGETS['overall']} |",
            f"| recall, names (HCP, relative, patient) | {c['recall_names']} | {b['recall_names']} | ≥ {TARGETS['names']} |",
            f"| recall, dates | {c['recall_dates']} | {b['recall_dates']} | ≥ {TARGETS['dates']} |",
            f"| precision (tokens) | {c['precision']} | {b['precision']} | — |",
            f"| missed gold tokens (excl. DateYear) | {c['missed_tokens_excl_dateyear']} | — | — |",
            f"| clinical retention (own set) | {r['retention']} | {b['retention']} | ≥ {TARGETS['retention']} |",
            f"| PHI recall (own set) | {r['phi_recall']} | {b['phi_recall']} | — |",
            f"| own set size | {r['sentences']} sentences, {r['clinical_tokens']} clinical tokens, {r['phi_tokens']} PHI tokens | same | — |",
            f"| speed, CPU time | {c['cpu_ms_per_100_words']} ms per 100 words; {c['cpu_notes_per_s']} notes/s | {b['cpu_ms_per_100_words']} ms per 100 words | a few ms |",
            f"| speed, wall clock (loaded machine) | {c['ms_per_100_words']} ms per 100 words; {c['notes_per_s']} notes/s; median {c['ms_per_note_median']} ms/note | — | — |",
            "",
            "Recall per category (gold tokens):",
            "",
            f"| category | tokens | now | {b['label']} |",
            "|---|---|---|---|",
        ]
        for cat, rec in c["recall_per_category"].items():  # type: ignore[union-attr]
            note = " (allowed by Safe Harbor; outside the target)" if cat == "DateYear" else ""
            before = b["recall_per_category"].get(cat, "—")  # type: ignore[union-attr]
            lines.append(f"| {cat}{note} | {c['gold_tokens'][cat]} | {rec} | {before} |")  # type: ignore[index]
        if "halves" in results:
            h = results["halves"]
            lines += [
                "",
                "Generalisation check (patients split by id parity; nothing is trained, the rules and lists are hand-made;",
                "the rules added for the target name no surrogate from the corpus):",
                "",
                "| half | overall | names | dates | precision |",
                "|---|---|---|---|---|",
            ]
            for name, vals in h.items():  # type: ignore[union-attr]
                old = b["halves"].get(name, {})  # type: ignore[union-attr]
                lines.append(
                    f"| {name} | {vals['recall_overall_excl_dateyear']} (was {old.get('recall_overall_excl_dateyear')}) "
                    f"| {vals['recall_names']} (was {old.get('recall_names')}) | {vals['recall_dates']} (was {old.get('recall_dates')}) "
                    f"| {vals['precision']} (was {old.get('precision')}) |"
                )
    else:
        lines += ["PhysioNet corpus not found: corpus figures skipped.", "", f"Clinical retention (own set): {r['retention']}; PHI recall (own set): {r['phi_recall']}."]
    lines += [
        "",
        "Pure-Python recognizers (no Presidio/spaCy; see docs/agents/redaction-decisions.md). The redactor",
        "runs a second pass over its own output (idempotence), included in the times above. Reproduce:",
        "`.venv/bin/python -m benchmarks.redaction_bench` (`--show N` prints misses and false positives locally).",
        "",
        "What changed since the 'before' column. Recall: a context-driven place recognizer (`ContextPlaceRecognizer`:",
        "places made of ordinary words after movement/origin cues, generic-name hospitals, campus parts, landmarks",
        "such as \"the Bay\", employers, DC), two-digit years beside past events in history lines, and name joins (lone",
        "initials, unknown surnames, name lists). Precision: generic hospitals and specialty clinics kept, everyday",
        "chart words and drug/device/department names added to the word lists, British spellings of medical roots",
        "read as words, and clinical look-alikes of addresses, phone numbers, extensions, IPs, ids, plates, dates",
        "(ventilator settings, gestation) and initials (A&O., O/N.) no longer taken.",
        "Speed: the new recognizer costs about 0.35 ms CPU per 100 words per pass (0.7 ms with the idempotence pass;",
        "an A/B run in one process measured 7.2-7.6 ms with it, 6.4-6.9 ms without); the rest of the difference from",
        "the 'before' figure is load on the shared machine.",
        "With the curated city list (`places.txt`) emptied, overall recall is 0.9957 (Location 0.988), so the figure",
        "does not rest on that list. On the app's own triage texts (handwritten dev and test sets, 687 texts) 10",
        "redactions changed, all of them false positives removed (box, triage, paediatric, walk-in, a gestation",
        "'11/40'...). Details: docs/agents/redaction-decisions.md.",
        "",
    ]
    OUT_MD.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="Print N false positives and negatives (local only).")
    parser.add_argument("--no-write", action="store_true", help="Do not write out/ or RESULTS_redaction.md.")
    args = parser.parse_args(argv)
    from triage_app.privacy.redactor import default_redactor

    t0 = time.perf_counter()
    redactor = default_redactor()
    load_s = time.perf_counter() - t0
    results: dict[str, object] = {"machine": machine(), "redactor_load_s": round(load_s, 3)}
    folder = corpus_dir()
    if folder is None:
        print("PhysioNet deid corpus not found (set TRIAGE_DEID_CORPUS): corpus figures skipped.")
    else:
        notes = load_corpus(folder)
        results["corpus"] = evaluate_corpus(notes, redactor, args.show)
        results["halves"] = {
            "odd patients": evaluate_corpus([n for n in notes if int(n.patient) % 2 == 1], redactor, 0),
            "even patients": evaluate_corpus([n for n in notes if int(n.patient) % 2 == 0], redactor, 0),
        }
    results["retention_set"] = evaluate_retention(redactor)
    print(json.dumps({k: v for k, v in results.items() if k != "halves"}, indent=2))
    if not args.no_write:
        OUT_JSON.parent.mkdir(parents=True, exist_ok=True)
        OUT_JSON.write_text(json.dumps(results, indent=2), encoding="utf-8")
        write_markdown(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
