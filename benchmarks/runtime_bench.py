"""Runtime inference: our ONNX runtime vs the Hugging Face pipeline (PyTorch eager), same weights.

Measures, each side in its own fresh subprocess so memory is not shared:

- cold load time (import + load + first prediction);
- resident memory (VmRSS / peak VmHWM) after loading and one prediction: our runtime with
  torch *not* imported (checked), and the pipeline with torch;
- p50/p95 latency of one text at a time, for short, medium and long texts (real notes from
  the hand-written test set, bucketed by token count);
- throughput at batch 32.

Run: ``.venv/bin/python -m benchmarks.runtime_bench [--model models/default] [--repeats 40]``.
Writes benchmarks/out/runtime_bench.json and benchmarks/out/runtime_bench.md (a markdown
section for RESULTS). Not a test: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEST_SET = ROOT / "triage_app" / "training" / "data" / "handwritten_test.jsonl"
FALLBACK_TEXTS = {
    "short": ["chest pain", "sore throat two days", "twisted ankle playing football"],
    "medium": ["58 year old man with central chest pain radiating to the left arm for forty minutes, sweaty and nauseous, "
               "history of hypertension and type 2 diabetes, took aspirin at home, pain ongoing on arrival"] * 3,
    "long": [("Long narrative: mild cough and runny nose for a week, otherwise well, eating and drinking, no fever, "
              "lives alone, independent, takes amlodipine. ") * 12 + "Today sudden crushing chest pain and collapse."] * 3,
}


def _rss() -> dict[str, float]:
    out = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                out[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": out.get("VmRSS", 0.0), "peak_rss_mb": out.get("VmHWM", 0.0)}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2), "n": len(ordered)}


def load_texts(tokenizer_json: Path, max_length: int) -> dict[str, list[str]]:
    """Bucket the hand-written test notes by wordpiece count (short < 24, medium 40-126, long > 126)."""
    if not TEST_SET.is_file():
        return FALLBACK_TEXTS
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_json))
    tok.no_truncation()
    tok.no_padding()
    texts = [json.loads(line)["text"] for line in TEST_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    buckets: dict[str, list[str]] = {"short": [], "medium": [], "long": []}
    for text in texts:
        n = len(tok.encode(text, add_special_tokens=False).ids)
        if n < 24:
            buckets["short"].append(text)
        elif 40 <= n <= max_length - 2:
            buckets["medium"].append(text)
        elif n > max_length - 2:
            buckets["long"].append(text)
    return {k: v or FALLBACK_TEXTS[k] for k, v in buckets.items()}


# --- the two sides (each runs in its own subprocess) -----------------------------------------


def side_ours(model: str, repeats: int, variant: str) -> dict[str, Any]:
    start = time.perf_counter()
    from triage_app.ml.bundle import load_bundle
    from triage_app.ml.runtime import OnnxClassifier

    bundle = load_bundle(model)
    if variant != "default" and bundle.onnx_path(variant) is None:
        return {"skipped": f"bundle has no {variant} ONNX"}
    if variant != "default":  # point "default" at the requested variant for this run
        bundle.manifest.setdefault("onnx", {})["default"] = bundle.manifest["onnx"][variant]
    clf = OnnxClassifier(bundle, f"CPU (onnxruntime {variant})", device="cpu")
    clf.predict(["chest pain"])
    cold = (time.perf_counter() - start) * 1000
    mem = _rss()
    texts = load_texts(bundle.path / "tokenizer.json", bundle.max_length)
    result: dict[str, Any] = {"cold_load_ms": round(cold, 1), **mem, "torch_imported": "torch" in sys.modules,
                              "onnx_file": clf.onnx_file.name, "max_length": bundle.max_length}
    result["latency"] = _latency(lambda t: clf.predict([t]), texts, repeats)
    result["windows_long_mean"] = round(statistics.mean(p.windows for p in clf.predict(texts["long"])), 2)
    # Single-thread CPU time per call: robust to other jobs on a shared machine.
    os.environ["TRIAGE_APP_ORT_THREADS"] = "1"
    single = OnnxClassifier(bundle, "single thread", device="cpu")
    result["cpu_latency_1thread"] = _latency(lambda t: single.predict([t]), texts, repeats, time.process_time)
    result["throughput_batch32"] = _throughput(lambda batch: clf.predict(batch), texts)
    result.update({f"final_{k}": v for k, v in _rss().items()})
    return result


def side_pipeline(model: str, repeats: int) -> dict[str, Any]:
    start = time.perf_counter()
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    tokenizer = AutoTokenizer.from_pretrained(model, local_files_only=True)
    net = AutoModelForSequenceClassification.from_pretrained(model, local_files_only=True, use_safetensors=True).float().eval()
    pipe = pipeline("text-classification", model=net, tokenizer=tokenizer, device=-1, top_k=None)
    kwargs = {"truncation": True, "max_length": int(json.loads((Path(model) / "manifest.json").read_text())["max_length"])}
    pipe("chest pain", **kwargs)
    cold = (time.perf_counter() - start) * 1000
    mem = _rss()
    texts = load_texts(Path(model) / "tokenizer.json", kwargs["max_length"])
    result: dict[str, Any] = {"cold_load_ms": round(cold, 1), **mem, "torch_threads": torch.get_num_threads()}
    with torch.inference_mode():
        result["latency"] = _latency(lambda t: pipe(t, **kwargs), texts, repeats)
        result["throughput_batch32"] = _throughput(lambda batch: pipe(batch, batch_size=32, **kwargs), texts)
        torch.set_num_threads(1)
        result["cpu_latency_1thread"] = _latency(lambda t: pipe(t, **kwargs), texts, repeats, time.process_time)
    result.update({f"final_{k}": v for k, v in _rss().items()})
    return result


def _latency(fn: Any, texts: dict[str, list[str]], repeats: int, clock: Any = time.perf_counter) -> dict[str, Any]:
    out = {}
    for bucket, items in texts.items():
        for text in items[:3]:
            fn(text)  # warm-up
        samples = []
        for i in range(repeats):
            text = items[i % len(items)]
            t = clock()
            fn(text)
            samples.append((clock() - t) * 1000)
        out[bucket] = _percentiles(samples)
    return out


def _throughput(fn: Any, texts: dict[str, list[str]], rounds: int = 3) -> dict[str, float]:
    pool = texts["short"] + texts["medium"]
    batch = [pool[i % len(pool)] for i in range(32)]
    fn(batch)
    t = time.perf_counter()
    for _ in range(rounds):
        fn(batch)
    elapsed = time.perf_counter() - t
    return {"texts_per_s": round(32 * rounds / elapsed, 1), "batch_ms": round(elapsed * 1000 / rounds, 1)}


def rules_timing() -> dict[str, Any]:
    """Safety rules alone (pure Python): per case on the hand-written set, and a worst case."""
    from triage_app.core.intake import Intake
    from triage_app.core.rules import default_rules

    rules = default_rules()
    intakes = []
    if TEST_SET.is_file():
        for line in TEST_SET.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                intakes.append(Intake.from_dict({k: rec[k] for k in ("text", "age", "sex", "vitals") if k in rec}))
    samples = []
    for intake in intakes:
        t = time.perf_counter()
        rules.evaluate(intake)
        samples.append((time.perf_counter() - t) * 1000)
    worst = Intake(("no fever, " * 2000)[:20_000], age_years=0.1)
    t = time.process_time()
    rules.evaluate(worst)
    return {"cases": len(samples), **(_percentiles(samples) if samples else {}), "worst_20k_negated_cpu_ms": round((time.process_time() - t) * 1000, 1)}


def onnx_variants(model: str, lengths: tuple[int, ...] = (16, 64, 200), reps: int = 20) -> dict[str, Any]:
    """Single-thread CPU time of one forward pass per ONNX variant vs torch eager, same weights.

    Exports fp32 ONNX from the bundle's safetensors into a temp folder (the bundle may ship only
    int8), quantises it with plain dynamic int8 (per-tensor), and times the bundle's own ONNX too.
    Also reports the largest logit difference from fp32 (accuracy cost of each variant).
    """
    import tempfile

    import numpy as np
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification

    torch.set_num_threads(1)
    net = AutoModelForSequenceClassification.from_pretrained(model, local_files_only=True, use_safetensors=True).float().eval()

    class Wrapper(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, a: Any, b: Any, c: Any) -> Any:
            return self.net(input_ids=a, attention_mask=b, token_type_ids=c).logits

    tmp = Path(tempfile.mkdtemp(prefix="onnx-variants-"))
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102]])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(Wrapper(), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(tmp / "fp32.onnx"), input_names=names,
                      output_names=["logits"], dynamic_axes={n: {0: "b", 1: "s"} for n in names}, opset_version=17, dynamo=False)
    quantize_dynamic(str(tmp / "fp32.onnx"), str(tmp / "dyn_int8.onnx"), weight_type=QuantType.QInt8, per_channel=False)

    def session(path: Path) -> Any:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    variants = {"onnx fp32 (exported here)": tmp / "fp32.onnx", "onnx dynamic int8 per-tensor (here)": tmp / "dyn_int8.onnx"}
    manifest = json.loads((Path(model) / "manifest.json").read_text(encoding="utf-8"))
    for key in ("int8", "fp32"):
        rel = (manifest.get("onnx") or {}).get(key)
        if rel:
            variants[f"bundle {rel}"] = Path(model) / rel
    sessions = {name: session(path) for name, path in variants.items()}
    out: dict[str, Any] = {}
    rng = np.random.RandomState(0)
    for length in lengths:
        arr = rng.randint(1000, 20000, (1, length)).astype(np.int64)
        arr[0, 0], arr[0, -1] = 101, 102
        feed = {"input_ids": arr, "attention_mask": np.ones_like(arr), "token_type_ids": np.zeros_like(arr)}
        row: dict[str, Any] = {}
        ref = sessions["onnx fp32 (exported here)"].run(None, feed)[0]
        for name, sess in sessions.items():
            logits = sess.run(None, feed)[0]
            t = time.process_time()
            for _ in range(reps):
                sess.run(None, feed)
            row[name] = {"cpu_ms": round((time.process_time() - t) / reps * 1000, 2), "max_logit_diff": round(float(np.abs(logits - ref).max()), 3)}
        tens = torch.from_numpy(arr)
        with torch.inference_mode():
            net(input_ids=tens)
            t = time.process_time()
            for _ in range(reps):
                net(input_ids=tens, attention_mask=torch.ones_like(tens))
            row["torch eager fp32"] = {"cpu_ms": round((time.process_time() - t) / reps * 1000, 2), "max_logit_diff": 0.0}
        out[str(length)] = row
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return out


# --- driver -----------------------------------------------------------------------------------


def _run_side(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "benchmarks.runtime_bench", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": proc.stderr.strip().splitlines()[-1:] or ["no output"]}
    return json.loads(lines[-1])


def _others() -> list[str]:
    try:
        out = subprocess.run(["pgrep", "-af", "train"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return []
    return [line.split(" ", 1)[1][:80] for line in out.splitlines() if "pgrep" not in line and "runtime_bench" not in line]


def markdown(report: dict[str, Any]) -> str:
    ours, pipe = report["ours_default"], report["pipeline"]
    int8 = report.get("ours_int8", {})
    lines = [
        "## Runtime inference (ONNX runtime vs Hugging Face pipeline)",
        "",
        f"Machine: {report['machine']}. Model: `{report['model']}` ({report['model_version']}), "
        f"max_length {ours.get('max_length')}. Load average at start {report['loadavg_start']}, at end {report['loadavg_end']}. "
        f"Other jobs running: {', '.join(report['other_jobs']) or 'none'}.",
        "Reproduce: `.venv/bin/python -m benchmarks.runtime_bench`. Each side runs in its own fresh subprocess.",
        "",
        "| measure | ours: ORT " + ours.get("onnx_file", "?") + " | ours: ORT int8 | HF pipeline (torch eager, fp32) | speed-up (default vs HF) |",
        "|---|---|---|---|---|",
    ]

    def cell(side: dict[str, Any], *keys: str) -> Any:
        value: Any = side
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return "n/a"
            value = value[key]
        return value

    for bucket in ("short", "medium", "long"):
        for pct in ("p50_ms", "p95_ms"):
            a, b, c = cell(ours, "latency", bucket, pct), cell(int8, "latency", bucket, pct), cell(pipe, "latency", bucket, pct)
            ratio = f"{c / a:.1f}x" if isinstance(a, int | float) and isinstance(c, int | float) and a else "n/a"
            lines.append(f"| {bucket} text, {pct.split('_')[0]} latency (ms) | {a} | {b} | {c} | {ratio} |")
    for bucket in ("short", "medium", "long"):
        a, b, c = (cell(side, "cpu_latency_1thread", bucket, "p50_ms") for side in (ours, int8, pipe))
        ratio = f"{c / a:.1f}x" if isinstance(a, int | float) and isinstance(c, int | float) and a else "n/a"
        lines.append(f"| {bucket} text, p50 **CPU time**, 1 thread (ms) | {a} | {b} | {c} | {ratio} |")
    a, b, c = (cell(s, "throughput_batch32", "texts_per_s") for s in (ours, int8, pipe))
    ratio = f"{a / c:.1f}x" if isinstance(a, int | float) and isinstance(c, int | float) and c else "n/a"
    lines.append(f"| throughput at batch 32 (texts/s) | {a} | {b} | {c} | {ratio} |")
    a, b, c = (cell(s, "cold_load_ms") for s in (ours, int8, pipe))
    lines.append(f"| cold load incl. imports and first prediction (ms) | {a} | {b} | {c} | |")
    a, b, c = (cell(s, "final_rss_mb") for s in (ours, int8, pipe))
    lines.append(f"| resident memory after the run (MB) | {a} | {b} | {c} | |")
    a, b, c = (cell(s, "final_peak_rss_mb") for s in (ours, int8, pipe))
    lines.append(f"| peak resident memory (MB) | {a} | {b} | {c} | |")
    lines.append(f"| torch imported | {cell(ours, 'torch_imported')} | {cell(int8, 'torch_imported')} | True | |")
    lines.append("")
    lines.append(
        f"Long texts: ours reads every token in overlapping windows (mean {cell(ours, 'windows_long_mean')} windows per long note); "
        "the pipeline truncates to max_length, so on long notes it does less work and can miss the end of the note."
    )
    variants = report.get("onnx_variants") or {}
    if variants and "error" not in variants:
        names = list(next(iter(variants.values())))
        lines += ["", "One forward pass, batch 1, **single-thread CPU time** (ms; max |logit - fp32| in brackets):", ""]
        lines.append("| tokens | " + " | ".join(names) + " |")
        lines.append("|---" * (len(names) + 1) + "|")
        for length, row in variants.items():
            lines.append(f"| {length} | " + " | ".join(f"{row[n]['cpu_ms']} ({row[n]['max_logit_diff']})" for n in names) + " |")
        lines.append("")
    r = report.get("rules", {})
    if r.get("cases"):
        lines.append(
            f"Safety rules alone (pure Python, {r['cases']} hand-written cases): p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms per case; "
            f"worst case (20,000 characters of negated mentions) {r['worst_20k_negated_cpu_ms']} ms CPU."
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models" / "default"))
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--side", choices=("ours", "pipeline", "variants"), help=argparse.SUPPRESS)
    parser.add_argument("--variant", default="default", help=argparse.SUPPRESS)
    parser.add_argument("--skip-variants", action="store_true", help="Skip the per-ONNX-variant forward-pass comparison.")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if args.side == "ours":
        print(json.dumps(side_ours(args.model, args.repeats, args.variant)))
        return 0
    if args.side == "pipeline":
        print(json.dumps(side_pipeline(args.model, args.repeats)))
        return 0
    if args.side == "variants":
        print(json.dumps(onnx_variants(args.model)))
        return 0
    if not (Path(args.model) / "manifest.json").is_file():
        print(f"no model bundle at {args.model}; nothing to benchmark", file=sys.stderr)
        return 1
    manifest = json.loads((Path(args.model) / "manifest.json").read_text(encoding="utf-8"))
    report: dict[str, Any] = {
        "machine": f"{platform.machine()} {os.cpu_count()}-core CPU, no GPU, Python {platform.python_version()}",
        "model": str(Path(args.model).resolve().relative_to(ROOT) if Path(args.model).resolve().is_relative_to(ROOT) else args.model),
        "model_version": manifest.get("version"),
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "other_jobs": _others(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    common = ["--model", args.model, "--repeats", str(args.repeats)]
    report["ours_default"] = _run_side([*common, "--side", "ours"])
    report["ours_int8"] = _run_side([*common, "--side", "ours", "--variant", "int8"])
    report["pipeline"] = _run_side([*common, "--side", "pipeline"])
    if not args.skip_variants:
        report["onnx_variants"] = _run_side(["--model", args.model, "--side", "variants"])
    report["rules"] = rules_timing()
    report["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "runtime_bench.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    md = markdown(report)
    (out_dir / "runtime_bench.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
