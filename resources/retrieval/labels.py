"""A light text classifier for triage: TF-IDF words and word pairs into a linear model.

Why here and not the SetFit ticket classifier: it trains in seconds on the incident index and
predicts a ticket in well under a millisecond, so the service can answer within its latency
budget on 2 cores and fall back to it when no registered classifier is available. Its label
also re-ranks similar incidents (see ``resources.retrieval.triage``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Prediction:
    label: str | None
    confidence: float


class LabelModel:
    """One linear head per target field, sharing one TF-IDF vectoriser."""

    def __init__(self, min_count: int = 2, seed: int = 0):
        self.min_count = min_count
        self.seed = seed
        self.word = None
        self.heads: dict[str, object] = {}

    def fit(self, texts: list[str], targets: dict[str, list[str | None]]) -> LabelModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier

        self.word = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1)
        features = self.word.fit_transform(texts)
        for name, labels in targets.items():
            y = np.array([None if v in (None, "") else str(v) for v in labels], dtype=object)
            known = np.flatnonzero(y != None)  # noqa: E711 - elementwise on an object array
            values, counts = np.unique(y[known].astype(str), return_counts=True)
            keep = set(values[counts >= self.min_count])
            rows = np.array([i for i in known if y[i] in keep], dtype=int)
            if len(keep) == 0:
                continue
            if len(keep) == 1:
                self.heads[name] = next(iter(keep))
                continue
            self.heads[name] = SGDClassifier(
                loss="log_loss", alpha=2e-5, max_iter=50, tol=None, random_state=self.seed
            ).fit(features[rows], y[rows].astype(str))
        return self

    def transform(self, texts: list[str]):
        return self.word.transform(texts)

    def predict_proba(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per target: (classes, probability matrix rows × classes)."""
        features = self.transform(texts) if texts else None
        out = {}
        for name, head in self.heads.items():
            if isinstance(head, str):
                out[name] = (np.array([head]), np.ones((len(texts), 1)))
            else:
                out[name] = (head.classes_, head.predict_proba(features))
        return out

    def predict(self, texts: list[str]) -> dict[str, list[Prediction]]:
        return best_of(self.predict_proba(texts))


def best_of(probabilities: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, list[Prediction]]:
    """The most probable label per target and row, with its probability."""
    out = {}
    for name, (classes, proba) in probabilities.items():
        best = proba.argmax(axis=1)
        out[name] = [Prediction(str(classes[j]), float(proba[i, j])) for i, j in enumerate(best)]
    return out


class RegisteredPredictor:
    """Registered classifiers (``predict_proba`` + ``classes_``, e.g. the model registry's
    champions) seen as one predictor of the triage targets. Subcategory classes written
    ``category/subcategory`` are read as subcategories (probabilities of the same subcategory
    under several categories add up); ``thresholds`` (per target and class) are kept."""

    def __init__(self, models: dict[str, object], thresholds: dict[str, dict] | None = None):
        self.models = {name: m for name, m in models.items() if m is not None}
        self.thresholds = thresholds or {}

    def predict_proba(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        out = {}
        for name, model in self.models.items():
            classes = np.asarray([str(c) for c in model.classes_], dtype=object)
            proba = np.asarray(model.predict_proba(list(texts)), dtype=np.float64)
            if name == "subcategory" and any("/" in c for c in classes):
                short = np.asarray([c.split("/", 1)[-1] for c in classes], dtype=object)
                merged = np.unique(short)
                proba = np.stack([proba[:, short == m].sum(axis=1) for m in merged], axis=1)
                classes = merged
            out[name] = (classes, proba)
        return out

    def predict(self, texts: list[str]) -> dict[str, list[Prediction]]:
        return best_of(self.predict_proba(texts))
