"""The one place for test fakes. Wired up by fixtures; UI tests never load a real model."""

from __future__ import annotations

from collections.abc import Sequence

from triage_app.core.intake import Intake
from triage_app.core.protocols import RedactedText
from triage_app.core.results import Escalation, ModelInfo, WordAttribution

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
