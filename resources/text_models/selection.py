"""Train every candidate on the same time-based split, keep the best on validation.

Rows come oldest first; the last ``val_share`` of them are validation (later tickets, never
seen in training). Each candidate fits on the earlier rows and is scored on validation; the
ensemble averages the fitted non-baseline candidates. A candidate is eligible only when its
validation macro-F1 beats the TF-IDF baseline's; the best eligible one is kept, else the
baseline itself. Per-class thresholds are fitted on the kept model's validation predictions,
then (``refit``) the kept model is retrained on every row.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from resources.text_models import candidates as cand
from resources.text_models.evaluation import score
from resources.text_models.thresholds import DEFAULT_TARGET, fit_thresholds

DEFAULT_CANDIDATES = ("tfidf", "tfidf_chars", "embeddings", "ensemble")
FRENCH_CANDIDATES = ("tfidf", "tfidf_chars", "spacy_vectors", "embeddings", "ensemble")


@dataclass
class Selection:
    model: cand.TextModel
    thresholds: dict[str, dict]
    chosen: str
    validation: dict  # candidate -> scores on validation (with seconds)
    val_predictions: dict = field(default_factory=dict)  # candidate -> predicted labels
    val_truth: list = field(default_factory=list)
    n_train: int = 0
    n_validation: int = 0

    @property
    def report(self) -> dict:
        return {"chosen": self.chosen, "n_train": self.n_train, "n_validation": self.n_validation,
                "validation": self.validation}


def time_split(n: int, val_share: float) -> int:
    """Index of the first validation row (rows are oldest first)."""
    return max(1, min(n - 1, int(round(n * (1 - val_share)))))


def select(texts: list[str], labels: list[str], *, names=DEFAULT_CANDIDATES, val_share: float = 0.2,
           target: float = DEFAULT_TARGET, targets: dict | None = None, refit: bool = True,
           log=print, **options) -> Selection:
    """Fit the candidates ``names`` on rows oldest first; return the kept model (see module)."""
    if len(set(labels)) < 2:
        raise ValueError(f"need labels of at least 2 classes to train, got {sorted(set(labels))}")
    cut = time_split(len(texts), val_share)
    train_x, train_y, val_x, val_y = texts[:cut], labels[:cut], texts[cut:], labels[cut:]
    if len(set(train_y)) < 2:
        raise ValueError("the training part of the time split holds a single class")
    fitted, scores, probas = {}, {}, {}
    names = ["tfidf", *[n for n in names if n != "tfidf"]]
    for name in names:
        started = time.perf_counter()
        try:
            if name == "ensemble":
                members = [m for n, m in fitted.items() if n != "tfidf"]
                if len(members) < 2:
                    continue
                model = cand.Averaged(members)
            else:
                model = cand.build(name, **options).fit(train_x, train_y)
            proba = model.predict_proba(val_x)
        except Exception as error:  # a candidate that cannot train loses; the others go on
            log(f"candidate {name} failed: {type(error).__name__}: {error}")
            scores[name] = {"error": f"{type(error).__name__}: {error}"}
            continue
        fitted[name], probas[name] = model, proba
        scores[name] = {**score(val_y, proba, model.classes_),
                        "seconds": round(time.perf_counter() - started, 1)}
        log(f"candidate {name}: validation macro-F1 {scores[name]['macro_f1']:.3f} "
            f"({scores[name]['seconds']} s)")
    base = scores["tfidf"]["macro_f1"]
    eligible = [n for n in fitted if n != "tfidf" and scores[n]["macro_f1"] > base]
    chosen = max(eligible, key=lambda n: (scores[n]["macro_f1"], -names.index(n))) if eligible else "tfidf"
    model, proba = fitted[chosen], probas[chosen]
    predicted = [str(model.classes_[i]) for i in proba.argmax(axis=1)]
    thresholds = fit_thresholds(val_y, predicted, proba.max(axis=1), model.classes_, target, targets)
    scores[chosen] = {**score(val_y, proba, model.classes_, thresholds), "seconds": scores[chosen]["seconds"]}
    if refit:
        started = time.perf_counter()
        model = _fresh(chosen, fitted, options).fit(texts, labels)
        scores[chosen]["refit_seconds"] = round(time.perf_counter() - started, 1)
    val_predictions = {n: [str(m.classes_[i]) for i in probas[n].argmax(axis=1)] for n, m in fitted.items()}
    return Selection(model=model, thresholds=thresholds, chosen=chosen, validation=scores,
                     val_predictions=val_predictions, val_truth=list(val_y),
                     n_train=len(train_x), n_validation=len(val_x))


def _fresh(name: str, fitted: dict, options: dict) -> cand.TextModel:
    if name == "ensemble":
        return cand.Averaged([cand.build(n, **options) for n in fitted if n not in ("tfidf", "ensemble")])
    return cand.build(name, **options)


def predict_with_reasons(model, thresholds: dict, texts: list[str]) -> dict[str, list]:
    """Predicted label, confidence, answered or not, and the review reason of each text."""
    from resources.text_models.thresholds import review_reasons

    if not texts:
        return {"predicted": [], "confidence": [], "needs_review": [], "review_reason": []}
    proba = model.predict_proba(texts)
    best = proba.argmax(axis=1)
    predicted = [str(model.classes_[i]) for i in best]
    confidence = proba[np.arange(len(best)), best]
    reasons = review_reasons(predicted, confidence, thresholds)
    return {"predicted": predicted, "confidence": [float(c) for c in confidence],
            "needs_review": [r is not None for r in reasons], "review_reason": reasons}
