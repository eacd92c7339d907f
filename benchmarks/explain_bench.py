"""Explanations: faithfulness (AOPC comprehensiveness and sufficiency) and speed.

Run: ``.venv/bin/python -m benchmarks.explain_bench [--model models/default] [--ig-limit 60]``.
Writes benchmarks/out/explain_bench.json and benchmarks/RESULTS_explain.md.

Faithfulness follows DeYoung et al. 2020 (ERASER) as implemented by ferret: rank the words by
signed attribution (most supporting first), delete the top k% words (comprehensiveness: the
target probability should fall) or keep only them (sufficiency: it should not fall), for k in
10..50%, and average the probability change over the bins (AOPC) and over cases. Words are
deleted from the text (with their characters), the same for every method, and probabilities
come from the runtime classifier (calibrated, windowed) explaining the level it suggests.

Methods: ``fast`` (exact word ablation over ONNX, one ablation per word), ``fast-budget<N>``
(coarse-to-fine with at most ``--budget`` ablations; N=24 is the app default,
``DEFAULT_MAX_EVALS``), ``ig`` (adaptive LayerIntegratedGradients), ``ti-default``
(transformers-interpret's SequenceClassificationExplainer defaults: LIG on the word embeddings,
50 steps, one text at a time, all steps in one batch) and ``random``.

``fast-proxy`` / ``fast-proxy-budget<N>``: the same ablations scored on the int8-compute proxy
(``ml.explain_proxy``: the deployed ONNX dynamically quantized in memory), the unablated
probability from the deployed model. Faithfulness is always measured on the DEPLOYED model (the
``aopc`` deletions run through the runtime classifier), so a proxy that ranks words differently
from the deployed model loses comprehensiveness here. ``agreement`` compares each method's
top word (sign and identity) and top-3 signs with the deployed ``fast-budget<N>`` explanation.

Speed: p50 over repeated runs on one 60-word note, side by side in one process (wall and
process CPU time: the machine is shared), plus the median per case over the set.
Writes the generated section to benchmarks/out/explain_bench.md (RESULTS_explain.md keeps the
history and is edited by hand).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from triage_app.ml.explain_fast import DEFAULT_MAX_EVALS, FastExplainer, proxy_for
from triage_app.ml.explain_ig import IntegratedGradientsExplainer
from triage_app.ml.runtime import OnnxClassifier, load_classifier
from triage_app.ml.word_spans import encode_words, private_tokenizer, split_words

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT / "triage_app" / "training" / "data" / "handwritten_test.jsonl"
BINS = (0.1, 0.2, 0.3, 0.4, 0.5)
NOTE_60 = (
    "58 year old man with central crushing chest pain radiating to the left arm for 2 hours, sweaty and "
    "nauseated, short of breath on minimal exertion. History of hypertension, diabetes and smoking. BP 90/60, "
    "HR 112, SpO2 88% on room air, T 38.9. Took aspirin at home, no relief. Wife [NAME_1] says he vomited x2 "
    "and looked grey, now drowsy."
)

ScoreFn = Callable[[str, int], list[float]]


def _int8_variant(classifier: Any) -> Any | None:
    """The same bundle served by its int8 ONNX model (None when the bundle has none)."""
    bundle = classifier.bundle
    onnx = dict(bundle.manifest.get("onnx") or {})
    if not onnx.get("int8") or not (bundle.path / onnx["int8"]).is_file():
        return None
    if onnx.get("default") == onnx["int8"] and isinstance(classifier, OnnxClassifier):
        return classifier
    manifest = dict(bundle.manifest, onnx=dict(onnx, default=onnx["int8"]))
    return OnnxClassifier(dataclasses.replace(bundle, manifest=manifest), "CPU (onnxruntime int8)", device="cpu")


def delete_words(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` without the characters of ``spans`` (whitespace runs collapsed)."""
    keep, pos = [], 0
    for start, end in sorted(spans):
        keep.append(text[pos:start])
        pos = end
    keep.append(text[pos:])
    return " ".join("".join(keep).split())


def aopc(classifier: Any, text: str, level: int, scores: Sequence[float]) -> tuple[float, float]:
    """(comprehensiveness, sufficiency) AOPC over :data:`BINS` for one case."""
    words = split_words(text)
    order = sorted(range(len(words)), key=lambda i: (-scores[i], i))
    variants: list[str] = []
    for k in BINS:
        top = set(order[: max(1, math.ceil(k * len(words)))])
        variants.append(delete_words(text, [(words[i].start, words[i].end) for i in top]))
        variants.append(delete_words(text, [(w.start, w.end) for i, w in enumerate(words) if i not in top]))
    probs = classifier.predict_proba([text, *[v if v.strip() else "." for v in variants]])
    full = probs[0][level - 1]
    comp = [full - probs[1 + 2 * b][level - 1] for b in range(len(BINS))]
    suff = [full - probs[2 + 2 * b][level - 1] for b in range(len(BINS))]
    return float(np.mean(comp)), float(np.mean(suff))


def ti_scorer(bundle_dir: Path, labels: Sequence[str]) -> tuple[ScoreFn, str] | None:
    """transformers-interpret's default explainer, word scores = sum of its token scores."""
    try:
        from transformers import BertForSequenceClassification, BertTokenizerFast
        from transformers_interpret import SequenceClassificationExplainer
    except ImportError:
        return None
    model = BertForSequenceClassification.from_pretrained(str(bundle_dir), local_files_only=True).eval()
    hf_tok = BertTokenizerFast.from_pretrained(str(bundle_dir), local_files_only=True)
    explainer = SequenceClassificationExplainer(model, hf_tok)
    from triage_app.ml.bundle import load_bundle
    from triage_app.ml.runtime import load_tokenizer

    tok = private_tokenizer(load_tokenizer(load_bundle(bundle_dir)))

    def score(text: str, level: int) -> list[float]:
        explainer(text, index=list(labels).index(str(level)))  # defaults: n_steps=50, one batch
        per_token = explainer.attributions.attributions_sum.detach().cpu().numpy()[1:-1]
        encoded = encode_words(text, tok)
        raw = [0.0] * len(encoded.words)
        if len(per_token) != len(encoded.token_ids):
            raise RuntimeError("token mismatch")
        for value, word in zip(per_token, encoded.token_word):
            if word >= 0:
                raw[word] += float(value)
        return raw

    import transformers_interpret

    return score, f"transformers-interpret {getattr(transformers_interpret, '__version__', '0.10.0')}"


def _timed(fn: Callable[[], object], repeats: int) -> tuple[list[float], list[float]]:
    """Wall and process-CPU milliseconds per run (after one warm-up)."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def _agreement(reference: Sequence[float], scores: Sequence[float]) -> tuple[bool, bool]:
    """(same top word with the same sign, same signs on the reference's top-3 words)."""
    if not reference:
        return True, True
    order = sorted(range(len(reference)), key=lambda i: (-abs(reference[i]), i))
    other = sorted(range(len(scores)), key=lambda i: (-abs(scores[i]), i))
    top_same = order[0] == other[0] and np.sign(reference[order[0]]) == np.sign(scores[other[0]])
    top3 = all(np.sign(reference[i]) == np.sign(scores[i]) for i in order[:3] if reference[i] != 0)
    return bool(top_same), bool(top3)


def evenly_spaced(n: int, k: int) -> list[int]:
    """``k`` indices spread over ``range(n)``, ordered so that every prefix is spread too."""
    chosen = sorted({int(i * n / k) for i in range(min(k, n))})
    out: list[int] = []
    step = len(chosen)
    while step >= 1:  # coarse-to-fine (bit-reversal-like) ordering
        out += [chosen[i] for i in range(0, len(chosen), step) if chosen[i] not in out]
        step //= 2
    return out


def contention() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    try:
        trainer = subprocess.run(["pgrep", "-f", "train"], capture_output=True, text=True).stdout.split()
    except OSError:
        trainer = []
    trainer = [p for p in trainer if p != str(os.getpid())]
    return f"load average {load:.2f}" + (f"; {len(trainer)} process(es) matching 'train' running" if trainer else "; no trainer running")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "models" / "default"))
    parser.add_argument("--data", default=str(DATA))
    parser.add_argument("--limit", type=int, default=0, help="Cases for fast/random (0 = all), evenly spaced over the set.")
    parser.add_argument(
        "--ig-limit", type=int, default=60, help="Cases for ig and ti-default (they are slow): the first of the evenly spaced subset."
    )
    parser.add_argument("--budget", type=int, default=DEFAULT_MAX_EVALS, help="max_evals of the fast-budget variant.")
    parser.add_argument(
        "--proxy-budgets", default=f"{DEFAULT_MAX_EVALS},16", help="Comma-separated max_evals of the fast-proxy variants ('' = none)."
    )
    parser.add_argument("--no-slow", action="store_true", help="Skip ig and ti-default (quick iteration only).")
    parser.add_argument(
        "--ablations", default="", help="Comma-separated extra ablations (e.g. 'delete') measured as fast-budget<N>-<ablation>."
    )
    parser.add_argument(
        "--speed-ab", type=int, default=0, metavar="ROUNDS",
        help="Only an interleaved speed A/B on the 60-word note (deployed budget vs proxy budgets), ROUNDS rounds; "
        "writes benchmarks/out/explain_speed_ab.json.",
    )
    parser.add_argument("--repeats", type=int, default=9, help="Timed runs per fast variant (after one warm-up).")
    parser.add_argument("--slow-repeats", type=int, default=3, help="Timed runs for ig and ti-default.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    started = time.time()
    load_before = contention()
    model_dir = Path(args.model)
    if args.speed_ab:
        return speed_ab(model_dir, args)
    from triage_app.privacy.redactor import default_redactor

    redactor = default_redactor()
    cases = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    # The set is sorted by level: take evenly spaced cases so every subset spans all levels, and
    # order them so that any prefix (the IG subset) is spread over the set too.
    order = evenly_spaced(len(cases), args.limit or len(cases))
    cases = [cases[i] for i in order]
    texts = [redactor.redact(c["text"]).text for c in cases]

    classifier = load_classifier(model_dir, device="cpu")
    int8 = _int8_variant(classifier)
    labels = classifier.bundle.labels
    levels = classifier.predict_levels(texts)
    fast = FastExplainer.from_classifier(classifier, max_evals=None)  # exact: one ablation per word
    fast_budget = FastExplainer.from_classifier(classifier, max_evals=args.budget, int8_proxy=False)
    proxy = proxy_for(classifier, background=False)
    proxy_build_s = None
    proxies: dict[str, FastExplainer] = {}
    if proxy is not None:
        proxy.wait()
        built = proxy.get()
        proxy_build_s = getattr(built, "build_seconds", None)
        if built is None:
            print(f"proxy failed to build: {proxy.error}", flush=True)
        else:
            proxies["fast-proxy"] = FastExplainer.from_classifier(classifier, max_evals=None, proxy=proxy)
            for b in [int(x) for x in args.proxy_budgets.split(",") if x.strip()]:
                proxies[f"fast-proxy-budget{b}"] = FastExplainer.from_classifier(classifier, max_evals=b, proxy=proxy)
    ig = None if args.no_slow else IntegratedGradientsExplainer.from_bundle(model_dir, device="cpu")
    rng = random.Random(args.seed)
    ti = None if args.no_slow else ti_scorer(model_dir, labels)

    methods: dict[str, tuple[ScoreFn, int]] = {
        "random": (lambda text, level: [rng.uniform(-1, 1) for _ in split_words(text)], len(texts)),
        "fast": (lambda text, level: list(fast.explain_full(text, level).raw_scores), len(texts)),
        f"fast-budget{args.budget}": (
            lambda text, level: list(fast_budget.explain_full(text, level).raw_scores),
            len(texts),
        ),
    }
    # The shipped explainer before the deletion path (leave-one-out only), for comparison.
    proxies[f"fast-budget{args.budget}-leave-one-out"] = FastExplainer.from_classifier(
        classifier, max_evals=args.budget, deletion_steps=0, int8_proxy=False
    )
    for ablation in [a.strip() for a in args.ablations.split(",") if a.strip()]:
        proxies[f"fast-budget{args.budget}-{ablation}"] = FastExplainer.from_classifier(
            classifier, max_evals=args.budget, ablation=ablation, int8_proxy=False
        )
    for pname, pexp in proxies.items():
        methods[pname] = ((lambda e: lambda text, level: list(e.explain_full(text, level).raw_scores))(pexp), len(texts))
    if ig is not None:
        methods["ig"] = (lambda text, level: list(ig.explain_full(text, level).raw_scores), min(args.ig_limit, len(texts)))
    if ti is not None:
        methods["ti-default"] = (ti[0], min(args.ig_limit, len(texts)))

    faithfulness: dict[str, dict[str, Any]] = {}
    deltas: list[float] = []
    steps: list[int] = []
    reference_name = f"fast-budget{args.budget}"
    reference_scores: dict[int, list[float]] = {}
    for name, (scorer, n) in methods.items():
        comps, suffs, times = [], [], []
        comps_sub, suffs_sub = [], []
        agree_top, agree_top3 = [], []
        for i in range(n):
            t = time.perf_counter()
            try:
                scores = scorer(texts[i], levels[i])
            except RuntimeError:
                continue
            times.append((time.perf_counter() - t) * 1000)
            if name == reference_name:
                reference_scores[i] = list(scores)
            elif i in reference_scores and name != "random":
                top_word, top3 = _agreement(reference_scores[i], scores)
                agree_top.append(top_word)
                agree_top3.append(top3)
            if name == "ig" and ig.last_explanation is not None:
                deltas.append(abs(ig.last_explanation.delta or 0.0))
                steps.append(int(ig.last_explanation.n_steps or 0))
            c, s = aopc(classifier, texts[i], levels[i], scores)
            comps.append(c)
            suffs.append(s)
            if i < min(args.ig_limit, len(texts)):
                comps_sub.append(c)
                suffs_sub.append(s)
        faithfulness[name] = {
            "cases": len(comps),
            "comprehensiveness_aopc": float(np.mean(comps)),
            "sufficiency_aopc": float(np.mean(suffs)),
            "comprehensiveness_aopc_first_subset": float(np.mean(comps_sub)),
            "sufficiency_aopc_first_subset": float(np.mean(suffs_sub)),
            "median_ms_per_case": float(statistics.median(times)),
            "top_word_agreement": float(np.mean(agree_top)) if agree_top else None,
            "top3_sign_agreement": float(np.mean(agree_top3)) if agree_top3 else None,
        }
        print(f"{name}: {faithfulness[name]}", flush=True)

    # Speed on one 60-word note, side by side in one process.
    note_level = classifier.predict_levels([NOTE_60])[0]
    speed: dict[str, dict[str, float]] = {}
    runners: dict[str, Callable[[], object]] = {
        f"fast ({classifier.device_status})": lambda: fast.explain_full(NOTE_60, note_level),
        f"fast-budget{args.budget} (deployed ONNX)": lambda: fast_budget.explain_full(NOTE_60, note_level),
    }
    for pname, pexp in proxies.items():
        label = "int8 proxy + deployed base" if pname.startswith("fast-proxy") else "deployed ONNX"
        runners[f"{pname} ({label})"] = (lambda e: lambda: e.explain_full(NOTE_60, note_level))(pexp)
    if int8 is not None and int8 is not classifier:
        fast8 = FastExplainer.from_classifier(int8, max_evals=None)
        fast8_budget = FastExplainer.from_classifier(int8, max_evals=args.budget)
        runners["fast (int8 ONNX)"] = lambda: fast8.explain_full(NOTE_60, note_level)
        runners[f"fast-budget{args.budget} (int8 ONNX)"] = lambda: fast8_budget.explain_full(NOTE_60, note_level)
    if ig is not None:
        runners["ig (adaptive n_steps, torch CPU)"] = lambda: ig.explain_full(NOTE_60, note_level)
    if ti is not None:
        runners["ti-default (LIG, 50 steps, torch CPU)"] = lambda: ti[0](NOTE_60, note_level)
    for name, fn in runners.items():
        repeats = args.repeats if name.startswith("fast") else max(1, args.slow_repeats)
        ms, cpu = _timed(fn, repeats)
        speed[name] = {"p50_ms": float(statistics.median(ms)), "min_ms": float(min(ms)),
                       "cpu_p50_ms": float(statistics.median(cpu)), "runs": len(ms)}
        print(f"speed {name}: {speed[name]}", flush=True)

    result = {
        "model": {"dir": str(model_dir), "name": classifier.info.name, "version": classifier.info.version,
                  "sha256": classifier.info.sha256, "runtime": classifier.device_status},
        "data": {"path": str(Path(args.data).relative_to(ROOT)) if Path(args.data).is_relative_to(ROOT) else args.data,
                 "cases": len(texts)},
        "bins": list(BINS),
        "faithfulness": faithfulness,
        "ig_abs_delta": {"median": float(statistics.median(deltas)) if deltas else None,
                         "max": float(max(deltas)) if deltas else None,
                         "n_steps_counts": {str(s): steps.count(s) for s in sorted(set(steps))}},
        "speed_note": {"words": len(split_words(NOTE_60)), "target_level": note_level, "results": speed},
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "gpu": "none", "contention_before": load_before, "contention_after": contention()},
        "seconds": round(time.time() - started, 1),
        "proxy": {"recipe": getattr(proxy.get(), "recipe", None) if proxy else None, "build_seconds": proxy_build_s,
                  "error": proxy.error if proxy else None},
        "ti_available": ti is not None,
        "command": " ".join([".venv/bin/python -m benchmarks.explain_bench", *(argv if argv is not None else sys.argv[1:])]),
    }
    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "explain_bench.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (out_dir / "explain_bench.md").write_text(render_markdown(result, args.budget), encoding="utf-8")
    return 0


def speed_ab(model_dir: Path, args: argparse.Namespace) -> int:
    """Interleaved rounds (one run of each variant per round) so load changes hit all variants alike."""
    from triage_app.ml.explain_proxy import LazyProxy, build_int8_proxy

    classifier = load_classifier(model_dir, device="cpu")
    level = classifier.predict_levels([NOTE_60])[0]
    proxy = proxy_for(classifier, background=False)
    if proxy is None or not proxy.wait() or proxy.get() is None:
        print("no proxy for this classifier", flush=True)
        return 1
    one_thread = LazyProxy(lambda: build_int8_proxy(classifier.onnx_file, threads=1), background=False)
    one_thread.wait()
    variants = {f"deployed budget{args.budget}": FastExplainer.from_classifier(classifier, max_evals=args.budget, int8_proxy=False)}
    for b in [int(x) for x in args.proxy_budgets.split(",") if x.strip()]:
        variants[f"proxy budget{b}"] = FastExplainer.from_classifier(classifier, max_evals=b, proxy=proxy)
    variants[f"proxy budget{args.budget}, 1 ORT thread"] = FastExplainer.from_classifier(
        classifier, max_evals=args.budget, proxy=one_thread
    )
    wall: dict[str, list[float]] = {k: [] for k in variants}
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    for e in variants.values():
        e.explain_full(NOTE_60, level)  # warm-up
    for _ in range(args.speed_ab):
        for name, e in variants.items():
            t, c = time.perf_counter(), time.process_time()
            e.explain_full(NOTE_60, level)
            wall[name].append((time.perf_counter() - t) * 1000)
            cpu[name].append((time.process_time() - c) * 1000)
    out = {
        "results": {
            k: {"p50_ms": statistics.median(wall[k]), "min_ms": min(wall[k]), "cpu_p50_ms": statistics.median(cpu[k]),
                "runs": len(wall[k])}
            for k in variants
        },
        "proxy_build_seconds": getattr(proxy.get(), "build_seconds", None),
        "contention_after": contention(),
    }
    for k, v in out["results"].items():
        print(f"{k}: {v}", flush=True)
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "explain_speed_ab.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


def render_markdown(r: dict[str, Any], budget: int) -> str:
    f, s = r["faithfulness"], r["speed_note"]["results"]
    lines = [
        "## Explanations: faithfulness and speed",
        "",
        f"Model: `{r['model']['name']}` {r['model']['version']} (sha256 {r['model']['sha256'][:12]}), "
        f"served by {r['model']['runtime']}. Data: {r['data']['path']} ({r['data']['cases']} cases, evenly spaced "
        "over the level-sorted set), each text redacted as in the app; every method explains the level the model "
        "suggests. IG and ti-default run on the first cases of that subset (spread over all levels).",
        f"Machine: {r['machine']['cpu_count']}-core CPU, no GPU, shared with other jobs "
        f"({r['machine']['contention_before']} at start; {r['machine']['contention_after']} at end). "
        f"Run time {r['seconds']} s. Command: `{r.get('command', '.venv/bin/python -m benchmarks.explain_bench')}`.",
        f"Int8 proxy: {r['proxy']['recipe']}, built in {r['proxy']['build_seconds'] or 0:.2f} s"
        + (f" (failed: {r['proxy']['error']})" if r["proxy"]["error"] else "")
        + ".",
        "",
        "### Faithfulness (AOPC over top 10–50% of words, DeYoung et al. 2020 / ferret)",
        "",
        "Comprehensiveness: drop in the target probability when the top-k% words are deleted (higher is better). "
        "Sufficiency: drop when only they are kept (lower is better).",
        "",
        f"Agreement: same top word with the same sign / same signs on the top-3 words, against fast-budget{budget} "
        "(deployed model).",
        "",
        "| method | cases | comprehensiveness ↑ | sufficiency ↓ | same on first IG subset (comp / suff) | "
        "median ms per case | top word / top-3 signs agree |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, v in f.items():
        agree = (
            f"{v['top_word_agreement']:.0%} / {v['top3_sign_agreement']:.0%}" if v.get("top_word_agreement") is not None else "—"
        )
        lines.append(
            f"| {name} | {v['cases']} | {v['comprehensiveness_aopc']:.4f} | {v['sufficiency_aopc']:.4f} | "
            f"{v['comprehensiveness_aopc_first_subset']:.4f} / {v['sufficiency_aopc_first_subset']:.4f} | "
            f"{v['median_ms_per_case']:.0f} | {agree} |"
        )
    d = r["ig_abs_delta"]
    if d["median"] is not None:
        lines += ["", f"IG |convergence delta|: median {d['median']:.4f}, max {d['max']:.4f}; n_steps used: {d['n_steps_counts']}."]
    lines += [
        "",
        f"### Speed on one {r['speed_note']['words']}-word note (target level {r['speed_note']['target_level']}), one process",
        "",
        "| method | p50 ms | min ms | CPU ms p50 | runs |",
        "|---|---|---|---|---|",
    ]
    for name, v in s.items():
        lines.append(f"| {name} | {v['p50_ms']:.0f} | {v['min_ms']:.0f} | {v['cpu_p50_ms']:.0f} | {v['runs']} |")
    ti = next((v for k, v in s.items() if k.startswith("ti-default")), None)
    if ti is not None:
        lines += ["", "Speed-up against the transformers-interpret default (p50):", ""]
        for name, v in s.items():
            if name.startswith("fast"):
                lines.append(f"- {name}: {ti['p50_ms'] / v['p50_ms']:.1f}×")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
