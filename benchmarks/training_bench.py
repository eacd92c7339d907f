"""Training cost: examples/s and end-to-end time of the default model, and what the speed knobs buy.

Two parts:

* ``report`` (default): reads ``models/default/manifest.json`` (the real run's own timings:
  training seconds, examples/s, calibration and export seconds, epochs, stop reason) and the
  int8 parity numbers, so the numbers are those of the run that produced the committed bundle.
* ``--measure N``: times N optimiser steps of the real training step on corpus batches for each
  knob setting (frozen layers 0/2, max_length 128/256), to show what freezing and length cost.
  Heavy: run it only on a quiet machine.

Writes ``benchmarks/out/training_bench.json``; ``benchmarks/RESULTS_training.md`` is written from it.
Run: ``.venv/bin/python -m benchmarks.training_bench [--measure 15]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT_JSON = REPO / "benchmarks" / "out" / "training_bench.json"
OUT_MD = REPO / "benchmarks" / "RESULTS_training.md"
BUNDLE = REPO / "models" / "default"
CORPUS = REPO / "runs" / "corpus.jsonl"
MACHINE = "2-core CPU, no GPU, shared with seven other engineers' jobs (tests, benchmarks) at the time"


def measure(steps: int, settings: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """Time ``steps`` training steps per (freeze_layers, max_length) on real corpus batches."""
    import numpy as np
    import torch

    from triage_app.training.losses import cost_matrix, triage_loss
    from triage_app.training.train import _freeze, bucket_batches, default_base_dir, encode_texts, load_base, pad_batch

    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("split") == "train"]
    random.Random(0).shuffle(rows)
    rows = rows[: steps * 32 * 2]
    results = []
    for freeze, max_length in settings:
        torch.manual_seed(0)
        tokenizer, model = load_base(default_base_dir())
        _freeze(model, freeze)
        ids = encode_texts(tokenizer, [r["text"] for r in rows], max_length)
        labels = np.asarray([int(r["level"]) - 1 for r in rows])
        batches = bucket_batches([len(x) for x in ids], 32, random.Random(1))[:steps]
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
        cost = torch.from_numpy(cost_matrix())
        model.train()
        seen, t0 = 0, time.perf_counter()
        for batch in batches:
            x, m = pad_batch([ids[i] for i in batch], 0)
            xt = torch.from_numpy(x)
            logits = model(input_ids=xt, attention_mask=torch.from_numpy(m), token_type_ids=torch.zeros_like(xt)).logits
            loss = triage_loss(logits, torch.from_numpy(labels[batch]), cost)
            opt.zero_grad()
            loss.backward()
            opt.step()
            seen += len(batch)
        seconds = time.perf_counter() - t0
        results.append({"freeze_layers": freeze, "max_length": max_length, "steps": len(batches),
                        "examples_per_second": round(seen / seconds, 2)})
        print(results[-1], flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", type=int, default=0, help="Also time N steps per knob setting (heavy).")
    args = parser.parse_args()
    manifest = json.loads((BUNDLE / "manifest.json").read_text(encoding="utf-8"))
    training = manifest.get("training", {})
    out: dict[str, Any] = {
        "machine": MACHINE,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "bundle": {"name": manifest.get("name"), "version": manifest.get("version"), "sha256": manifest.get("sha256")},
        "run": {k: training.get(k) for k in (
            "device", "train_cases", "validation_cases", "steps", "epochs_done", "train_seconds",
            "calibration_seconds", "export_seconds", "end_to_end_seconds", "examples_per_second",
            "stopped_because", "best_step", "freeze_layers", "config")},
        "onnx": manifest.get("onnx"),
        "bundle_bytes": sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file()),
    }
    if args.measure:
        out["knobs"] = measure(args.measure, [(0, 256), (2, 256), (2, 128)])
    elif OUT_JSON.is_file():
        out["knobs"] = json.loads(OUT_JSON.read_text(encoding="utf-8")).get("knobs")
    OUT_JSON.parent.mkdir(parents=True, exist_ok=True)
    OUT_JSON.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out["run"], indent=2))
    print(f"wrote {OUT_JSON}")


if __name__ == "__main__":
    main()
