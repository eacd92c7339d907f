"""Encrypted case store on 5,000 cases: save, open, get, search (incl. decrypt-and-scan text
search), export, key rotation, scrypt cost.

Run: ``.venv/bin/python -m benchmarks.store_bench [--cases 5000]``. Writes
benchmarks/out/store_bench.json and benchmarks/RESULTS_store.md. Everything happens in a
throwaway folder with a random key; the user's store and keyring are never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from triage_app.core.intake import Intake, Vitals
from triage_app.core.results import CaseRecord, ModelInfo, RedactionSpan, TriageResult, WordAttribution
from triage_app.privacy import crypto
from triage_app.privacy.store import CaseStore

HERE = Path(__file__).resolve().parent
WORDS = (
    "pain chest abdominal fever cough since yesterday worse on exertion radiating left arm nausea vomiting "
    "headache dizzy fall ankle swelling shortness of breath wheeze rash itchy [NAME_1] [DATE_1] reports denies "
    "history hypertension diabetes asthma medication taking paracetamol ibuprofen for days hours weeks"
).split()


def make_record(rng: random.Random, created: datetime) -> CaseRecord:
    n_words = rng.choice((8, 20, 40, 80, 160))
    words = [rng.choice(WORDS) for _ in range(n_words)]
    text = " ".join(words)
    attributions, pos = [], 0
    for word in words:
        start = text.index(word, pos)
        pos = start + len(word)
        attributions.append(WordAttribution(start, pos, word, round(rng.uniform(-1, 1), 4)))
    level = rng.randint(1, 5)
    probs = [0.05] * 5
    probs[level - 1] = 0.8
    result = TriageResult(
        intake=Intake(text, age_years=rng.randint(1, 95), sex=rng.choice(("female", "male")), vitals=Vitals(hr=rng.randint(50, 150), spo2=rng.randint(88, 100))),
        probabilities=tuple(probs),
        model_level=level,
        escalations=(),
        final_level=level,
        uncertain=False,
        model=ModelInfo("default", "1.0.0", "a" * 64),
        device="CPU (onnxruntime)",
        attributions=tuple(attributions),
        attribution_method="fast",
        attribution_target=level,
    )
    final = level if rng.random() > 0.1 else max(1, level - 1)
    return CaseRecord(
        case_id=uuid.uuid4().hex,
        created_at=created.isoformat(),
        result=result,
        final_level=final,
        clinician=rng.choice(("Dr A", "Nurse B", "Dr C")),
        override_reason="clinical judgement" if final != level else "",
        redaction_spans=(RedactionSpan(0, 5, "NAME", "[NAME_1]"),),
    )


def timed(fn, repeat: int = 5) -> dict[str, float]:  # noqa: ANN001 - any callable
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(samples), 2), "min_ms": round(min(samples), 2), "max_ms": round(max(samples), 2)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=5000)
    args = parser.parse_args()
    rng = random.Random(7)
    now = datetime.now(UTC)
    results: dict[str, object] = {
        "machine": f"{platform.machine()} {os.cpu_count()}-core CPU, no GPU, shared with other jobs (model training) at the time",
        "python": platform.python_version(),
        "cases": args.cases,
        "date": now.strftime("%Y-%m-%d"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "cases.sqlite3"
        key = crypto.new_data_key()
        store = CaseStore.open(db, key)
        records = [make_record(rng, now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))) for _ in range(args.cases)]
        save_ms = []
        start_all = time.perf_counter()
        for record in records:
            start = time.perf_counter()
            store.save(record)
            save_ms.append((time.perf_counter() - start) * 1000)
        results["save_all_s"] = round(time.perf_counter() - start_all, 2)
        save_ms.sort()
        results["save_ms"] = {"median": round(statistics.median(save_ms), 2), "p95": round(save_ms[int(0.95 * len(save_ms))], 2)}
        store.checkpoint()
        results["db_mb"] = round(db.stat().st_size / 1e6, 2)
        results["mean_record_json_kb"] = round(statistics.mean(len(json.dumps(r.to_dict())) for r in records[:500]) / 1e3, 2)
        store.close()

        results["open_ms"] = timed(lambda: CaseStore.open(db, key).close(), 3)
        store = CaseStore.open(db, key)
        ids = [r.case_id for r in records]
        results["get_ms"] = timed(lambda: [store.get(rng.choice(ids)) for _ in range(100)], 3)
        results["get_ms"]["note"] = "100 random gets"  # type: ignore[index]
        since_30d = (now - timedelta(days=30)).strftime("%Y-%m-%d")
        results["search_ms"] = {
            "list_newest_500": timed(lambda: store.search(limit=500)),
            "level_2_limit_500": timed(lambda: store.search(level=2, limit=500)),
            "last_30_days": timed(lambda: store.search(since=since_30d, limit=5000)),
            "text_no_match_full_scan": timed(lambda: store.search(text="zzznomatch", limit=500), 3),
            "text_common_limit_500": timed(lambda: store.search(text="chest", limit=500), 3),
            "text_last_30_days": timed(lambda: store.search(text="zzznomatch", since=since_30d), 3),
        }
        out = Path(tmp) / "export.jsonl"
        results["export_jsonl_ms"] = timed(lambda: store.export(out, "jsonl"), 1)
        start = time.perf_counter()
        store.rekey(crypto.new_data_key())
        results["rekey_all_ms"] = round((time.perf_counter() - start) * 1000, 1)
        store.close()
    kdf = crypto.ScryptParams.fresh()
    results["scrypt_derive_ms"] = timed(lambda: crypto.derive_key("benchmark passphrase", kdf), 3)

    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "store_bench.json").write_text(json.dumps(results, indent=2))
    s = results["search_ms"]  # type: ignore[assignment]
    md = f"""## Encrypted case store ({args.cases:,} cases)

Machine: {results['machine']}. Python {results['python']}, {results['date']}. SQLite WAL, `synchronous=FULL`,
one AES-256-GCM blob per case; records carry word attributions (mean record JSON {results['mean_record_json_kb']} kB).
Reproduce: `.venv/bin/python -m benchmarks.store_bench`.

| operation | time |
|---|---|
| save one case (own transaction, fsync) | median {results['save_ms']['median']} ms, p95 {results['save_ms']['p95']} ms |
| open store (incl. `quick_check`) | {results['open_ms']['median_ms']} ms |
| get one case (decrypt) | {results['get_ms']['median_ms'] / 100:.2f} ms |
| list newest 500 (decrypt 500 snippets) | {s['list_newest_500']['median_ms']} ms |
| level filter, 500 rows | {s['level_2_limit_500']['median_ms']} ms |
| last 30 days | {s['last_30_days']['median_ms']} ms |
| **text search, no match: decrypt-and-scan all {args.cases:,}** | **{s['text_no_match_full_scan']['median_ms']} ms** |
| text search, common word, first 500 hits | {s['text_common_limit_500']['median_ms']} ms |
| text search within last 30 days | {s['text_last_30_days']['median_ms']} ms |
| de-identified JSONL export, all cases | {results['export_jsonl_ms']['median_ms']} ms |
| key rotation: re-encrypt all cases in one transaction | {results['rekey_all_ms']} ms |
| scrypt key derivation (N=2^15, r=8, p=1) | {results['scrypt_derive_ms']['median_ms']} ms |

Database size: {results['db_mb']} MB. Text search decrypts only the small encrypted summary blob (~0.3 kB) of each date/level-filtered row in
memory and scans it; at this size a full scan stays interactive on a worker thread, and a date filter (SQL on
the clear `created_at`) narrows it first. Timings vary by 2-4x with the other jobs on this machine.
"""
    (HERE / "RESULTS_store.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
