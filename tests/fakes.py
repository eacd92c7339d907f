"""The one place for test fakes. Wired up by fixtures; UI tests never load a real model."""

from __future__ import annotations

from collections.abc import Sequence

from triage_app.core.intake import Intake
from triage_app.core.protocols import RedactedText
from triage_app.core.results import CaseRecord, Escalation, ModelInfo, RedactionSpan, TriageResult, WordAttribution

FAKE_MODEL = ModelInfo(name="fake-model", version="0.0.0", sha256="f" * 64)


class FakeClassifier:
    """Returns fixed probabilities, or keyword-driven ones when ``keywords`` is given."""

    def __init__(self, probabilities: Sequence[float] = (0.02, 0.08, 0.6, 0.2, 0.1), keywords: dict[str, int] | None = None) -> None:
        self.probabilities = list(probabilities)
        self.keywords = keywords or {}
        self.calls: list[list[str]] = []

    @property
    def info(self) -> ModelInfo:
        return FAKE_MODEL

    @property
    def device_status(self) -> str:
        return "CPU (fake classifier)"

    def predict_proba(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        out = []
        for text in texts:
            probs = list(self.probabilities)
            for word, level in self.keywords.items():
                if word in text.lower():
                    probs = [0.02] * 5
                    probs[level - 1] = 0.92
                    break
            out.append(probs)
        return out


class IdentityRedactor:
    def redact(self, text: str) -> RedactedText:
        return RedactedText(text=text, spans=())


class FakeRuleEngine:
    def __init__(self, escalations: Sequence[Escalation] = ()) -> None:
        self.escalations = list(escalations)

    def evaluate(self, intake: Intake) -> list[Escalation]:
        return list(self.escalations)


class FakeExplainer:
    """Scores each whitespace word by its length, sign alternating: predictable offsets."""

    def explain(self, text: str, target_level: int) -> list[WordAttribution]:
        out = []
        pos = 0
        for i, word in enumerate(text.split()):
            start = text.index(word, pos)
            pos = start + len(word)
            out.append(WordAttribution(start, pos, word, (1.0 if i % 2 == 0 else -0.5)))
        return out


# ---- keyring fakes (privacy store tests) -------------------------------------------------------
import keyring.backend  # noqa: E402
import keyring.errors  # noqa: E402


class MemoryKeyring(keyring.backend.KeyringBackend):
    """An in-memory OS keyring: ``keyring.set_keyring(MemoryKeyring())`` in a fixture."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.passwords[(service, username)]


class NoKeyring(keyring.backend.KeyringBackend):
    """Behaves like headless Linux: every call raises NoKeyringError."""

    priority = 0  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.NoKeyringError("No recommended backend was available.")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.NoKeyringError("No recommended backend was available.")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.NoKeyringError("No recommended backend was available.")


# --- explainability fakes (tests/ml/test_explain_*.py, tests/commands/test_explain_cmd.py) ---

TINY_VOCAB: tuple[str, ...] = (
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
    "chest", "pain", "##s", "fever", "no", "denies", "bp", "90", "60", "/", ".", ",", "38", "9",
    "x", "##2", "##d", "[", "name", "_", "1", "]", "sp", "##o", "%", "88", "cough", "mild", "severe",
    "sob", "and", "for", "days", "pt", "t", "a", "-", "short", "of", "breath", "\u2019", "s", "rash",
)


def tiny_wordpiece_tokenizer() -> object:
    """A real ``tokenizers.Tokenizer`` (BERT-style WordPiece) over :data:`TINY_VOCAB`."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordPiece

    tok = Tokenizer(WordPiece({w: i for i, w in enumerate(TINY_VOCAB)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.enable_truncation(max_length=16)  # like a bundled tokenizer.json; the explainers must undo it
    return tok


class BagOfWordsLogits:
    """Linear bag-of-words model: ``logits[b, c] = sum_t W[ids[b, t], c] * mask[b, t]``.

    Special tokens and [PAD] weigh 0, so ablating a word with [PAD] removes exactly its
    tokens' weights: FeatureAblation on the logit must return those weights.
    """

    def __init__(self, weights: dict[str, list[float]], vocab: Sequence[str] = TINY_VOCAB, classes: int = 5) -> None:
        import numpy as np

        self.vocab = {w: i for i, w in enumerate(vocab)}
        self.table = np.zeros((len(vocab), classes), dtype=np.float64)
        for token, row in weights.items():
            self.table[self.vocab[token]] = row
        self.calls: list[tuple[int, int]] = []

    def __call__(self, input_ids: object, attention_mask: object) -> object:
        import numpy as np

        ids = np.asarray(input_ids)
        mask = np.asarray(attention_mask)
        self.calls.append(ids.shape)
        return (self.table[ids] * mask[..., None]).sum(axis=1)


def sample_case_record(
    case_id: str | None = None,
    *,
    text: str = "central chest pain for 2 days, [NAME_1] says worse on exertion",
    created_at: str = "2026-11-28T10:00:00Z",
    suggested_level: int = 2,
    final_level: int | None = None,
    clinician: str = "Dr Test",
    override_reason: str = "",
    age: float | None = 54,
    sex: str | None = "female",
    vitals: dict[str, float] | None = None,
) -> CaseRecord:
    """A saved case built from plain values (redacted text), for store/export/PDF tests."""
    import uuid

    from triage_app.core.intake import Vitals

    probs = [0.05] * 5
    probs[suggested_level - 1] = 0.8
    result = TriageResult(
        intake=Intake(text, age_years=age, sex=sex, vitals=Vitals.from_dict(vitals if vitals is not None else {"hr": 104, "spo2": 96})),
        probabilities=tuple(probs),
        model_level=suggested_level,
        escalations=(),
        final_level=suggested_level,
        uncertain=False,
        model=FAKE_MODEL,
        device="CPU (fake classifier)",
        attributions=(WordAttribution(0, 7, "central", 0.5),),
        attribution_method="fast",
        attribution_target=suggested_level,
    )
    return CaseRecord(
        case_id=case_id or uuid.uuid4().hex,
        created_at=created_at,
        result=result,
        final_level=suggested_level if final_level is None else final_level,
        clinician=clinician,
        override_reason=override_reason,
        redaction_spans=(RedactionSpan(40, 50, "NAME", "[NAME_1]"),),
    )


# --- GUI fakes (tests/ui) --------------------------------------------------------------------


class InMemoryCaseRepository:
    """CaseRepository kept in a dict (used by UI tests when the real store is unavailable)."""

    def __init__(self) -> None:
        self.records: dict[str, CaseRecord] = {}
        self.closed = False

    def save(self, record: object) -> None:
        self.records[record.case_id] = record  # type: ignore[attr-defined]

    def get(self, case_id: str) -> object:
        from triage_app.core.errors import StoreError

        if case_id not in self.records:
            raise StoreError(f"No saved case has the id {case_id}.")
        return self.records[case_id]

    def search(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        level: int | None = None,
        text: str | None = None,
        limit: int = 500,
    ) -> list[object]:
        from triage_app.core.protocols import CaseSummary

        out = []
        for rec in sorted(self.records.values(), key=lambda r: r.created_at, reverse=True):
            day = rec.created_at[:10]
            if (since and day < since) or (until and day > until) or (level and rec.final_level != level):
                continue
            if text and text.lower() not in rec.result.redacted_text.lower():
                continue
            out.append(
                CaseSummary(
                    rec.case_id, rec.created_at, rec.result.final_level, rec.final_level, rec.overridden,
                    rec.result.redacted_text[:80], rec.clinician,
                )
            )
        return out[:limit]

    def purge(self, older_than_days: int) -> int:
        return 0

    def close(self) -> None:
        self.closed = True


class MemoryAudit:
    """AuditSink that keeps (action, case_id, clinician, detail) tuples."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str | None, str, str]] = []

    def append(self, action: str, *, case_id: str | None = None, clinician: str = "", detail: str = "") -> None:
        self.entries.append((action, case_id, clinician, detail))

    @property
    def actions(self) -> list[str]:
        return [e[0] for e in self.entries]


def fake_pdf_renderer(record: object, out: object, **kwargs: object) -> object:
    """Writes a tiny placeholder PDF holding only the case id (no text) and returns its path."""
    from pathlib import Path

    path = Path(str(out))
    path.write_bytes(b"%PDF-1.4\n% fake triage pdf " + str(record.case_id).encode() + b"\n%%EOF\n")  # type: ignore[attr-defined]
    return path


class RegexRedactor:
    """Redacts capitalised 'Mr/Mrs/Ms Name' and 10-digit numbers, with real spans."""

    def redact(self, text: str) -> RedactedText:
        import re

        from triage_app.core.results import RedactionSpan

        spans = []
        out = []
        pos = 0
        counters: dict[str, int] = {}
        for m in re.finditer(r"\b(?:Mr|Mrs|Ms)\.? [A-Z][a-z]+|\b\d{10}\b", text):
            label = "ID" if m.group(0)[0].isdigit() else "NAME"
            counters[label] = counters.get(label, 0) + 1
            placeholder = f"[{label}_{counters[label]}]"
            out.append(text[pos : m.start()])
            out.append(placeholder)
            pos = m.end()
            spans.append(RedactionSpan(m.start(), m.end(), label, placeholder))
        out.append(text[pos:])
        return RedactedText("".join(out), tuple(spans))
