"""A linear model of the FAQ topics over word and character n-grams.

The pipeline has no pretrained word vectors (DESIGN.md), and each FAQ topic has about a
hundred examples. On that little data the ResponseSelector's network, which learns its
features from scratch, generalises to new phrasings worse than a regularised linear
model over TF-IDF n-grams does: on one held-out third of the FAQ examples, 0.81 for the
selector against 0.875 for this model, and 0.88 for the two mixed (issue 14). Character
n-grams carry typos and word forms ("injektion", "injections") that whole words miss.
``components.faq_word_vote`` mixes this model's probabilities into the selector's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

# Inverse regularisation strength: screened 10, 30 and 100 on three held-out thirds
# (0.864, 0.867, 0.869); 30 is as good and keeps the probabilities less extreme.
DEFAULT_C = 30.0
MODEL_FILE = "faq_words.joblib"


class FaqWordModel:
    """Probabilities of the FAQ topics (``faq/<topic>``) for a message."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    @classmethod
    def fit(cls, texts: Sequence[str], topics: Sequence[str], c: float = DEFAULT_C) -> FaqWordModel:
        """Trains on examples and their topics (at least two topics are needed)."""
        if len(set(topics)) < 2:
            raise ValueError("the FAQ word model needs examples of at least two topics")
        features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        )
        pipeline = make_pipeline(features, LogisticRegression(C=c, max_iter=3000))
        pipeline.fit(list(texts), list(topics))
        return cls(pipeline)

    @property
    def topics(self) -> list[str]:
        """The topics the model knows, in the order of its probabilities."""
        return [str(t) for t in self._pipeline.classes_]

    def probabilities(self, text: str) -> dict[str, float]:
        """Every topic's probability for ``text``; they sum to 1."""
        [row] = self._pipeline.predict_proba([text])
        return {topic: float(p) for topic, p in zip(self.topics, row, strict=True)}

    def save(self, directory: Path) -> None:
        """Writes the model into ``directory`` (a Rasa model's resource folder)."""
        joblib.dump(self._pipeline, directory / MODEL_FILE)

    @classmethod
    def load(cls, directory: Path) -> FaqWordModel | None:
        """The model saved in ``directory``, or None if none was trained there."""
        path = directory / MODEL_FILE
        return cls(joblib.load(path)) if path.exists() else None


def mix(
    selector: dict[str, float], words: dict[str, float], selector_weight: float
) -> list[tuple[str, float]]:
    """The two models' probabilities averaged with ``selector_weight``, best first.

    A topic missing from one side (the selector reports only its top ten) counts as 0
    there, so the mixed confidences stay on the same 0-1 scale as either model's.
    """
    keys = set(selector) | set(words)
    mixed = {
        k: selector_weight * selector.get(k, 0.0) + (1 - selector_weight) * words.get(k, 0.0)
        for k in keys
    }
    return sorted(mixed.items(), key=lambda item: (-item[1], item[0]))
