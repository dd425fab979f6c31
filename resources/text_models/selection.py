"""Train every candidate on the same time-based splits, keep the best on validation.

Rows come oldest first; the newest ``val_share`` of them are validation, cut into ``folds``
consecutive blocks (expanding window: each block is predicted by a model trained on every
row before it, never on later ones). Pooling the blocks gives a validation set several times
larger than one block, so the choice is less a matter of noise. The ensemble averages the
non-baseline candidates fold by fold. A candidate is eligible only when it beats the TF-IDF
baseline on the pooled validation by more than the noise (the lower bound of the ``level``
bootstrap interval of its macro-F1 gain is above 0, the promotion gate's rule); the best
eligible one is kept, else the baseline itself: with a few rare-class rows in validation, a
gain that is noise would otherwise ship a model below TF-IDF on unseen data.
Per-class thresholds are fitted on the kept model's pooled validation predictions; the
promotion gate replays the newest block. Then (``refit``) the kept model is retrained on
every row.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from resources.progress import Progress
from resources.text_models import candidates as cand
from resources.text_models.evaluation import bootstrap_delta, score
from resources.text_models.thresholds import DEFAULT_TARGET, fit_thresholds

DEFAULT_CANDIDATES = ("tfidf", "tfidf_chars", "embeddings", "ensemble")
FRENCH_CANDIDATES = ("tfidf", "tfidf_chars", "spacy_vectors", "embeddings", "ensemble")


@dataclass
class Selection:
    model: cand.TextModel
    thresholds: dict[str, dict]
    chosen: str
    validation: dict  # candidate -> scores on the pooled validation blocks (with seconds)
    val_predictions: dict = field(default_factory=dict)  # candidate -> labels on the newest block
    val_truth: list = field(default_factory=list)  # truth of the newest block
    n_train: int = 0  # rows before the newest block
    n_validation: int = 0  # rows of the newest block

    @property
    def report(self) -> dict:
        return {
            "chosen": self.chosen,
            "n_train": self.n_train,
            "n_validation": self.n_validation,
            "validation": self.validation,
        }


def time_split(n: int, val_share: float) -> int:
    """Index of the first validation row (rows are oldest first)."""
    return max(1, min(n - 1, round(n * (1 - val_share))))


def fold_starts(n: int, val_share: float, folds: int) -> list[int]:
    """First row of each validation block, oldest block first (the last ends at ``n``)."""
    first = time_split(n, val_share)
    starts = sorted({first + (n - first) * k // max(folds, 1) for k in range(max(folds, 1))})
    return [s for s in starts if 0 < s < n]


def _aligned(proba: np.ndarray, classes, universe: list[str]) -> np.ndarray:
    out = np.zeros((proba.shape[0], len(universe)))
    index = {c: i for i, c in enumerate(universe)}
    for j, c in enumerate(classes):
        out[:, index[str(c)]] = proba[:, j]
    return out


def select(
    texts: list[str],
    labels: list[str],
    *,
    names=DEFAULT_CANDIDATES,
    val_share: float = 0.3,
    folds: int = 3,
    target: float = DEFAULT_TARGET,
    targets: dict | None = None,
    refit: bool = True,
    n_boot: int = 300,
    level: float = 0.90,
    log=print,
    **options,
) -> Selection:
    """Fit the candidates ``names`` on rows oldest first; return the kept model (see module)."""
    labels = [str(y) for y in labels]
    if len(set(labels)) < 2:
        raise ValueError(f"need labels of at least 2 classes to train, got {sorted(set(labels))}")
    universe = sorted(set(labels))
    starts = fold_starts(len(texts), val_share, folds)
    bounds = list(zip(starts, [*starts[1:], len(texts)]))
    if len(set(labels[: starts[0]])) < 2:
        raise ValueError("the training part of the time split holds a single class")
    val_y = labels[starts[0] :]
    names = [
        "tfidf",
        *[n for n in names if n not in ("tfidf", "ensemble")],
        *(["ensemble"] if "ensemble" in names else []),
    ]
    pooled, scores, last_fitted = {}, {}, {}
    fits = len([n for n in names if n != "ensemble"]) * len(bounds) + int(refit)
    tracker = Progress(log, "model fits (candidates x time folds, then the refit)", fits, unit="fits")
    for name in names:
        started = time.perf_counter()
        try:
            if name == "ensemble":
                members = [n for n in pooled if n != "tfidf"]
                if len(members) < 2:
                    continue
                proba = np.mean([pooled[n] for n in members], axis=0)
            else:
                blocks = []
                for lo, hi in bounds:
                    model = cand.build(name, **options).fit(texts[:lo], labels[:lo])
                    blocks.append(_aligned(model.predict_proba(texts[lo:hi]), model.classes_, universe))
                    tracker.advance()
                proba = np.vstack(blocks)
                last_fitted[name] = model
        except Exception as error:  # noqa: BLE001 - a candidate that cannot train loses; the others go on
            log(f"candidate {name} failed: {type(error).__name__}: {error}")
            scores[name] = {"error": f"{type(error).__name__}: {error}"}
            continue
        pooled[name] = proba
        scores[name] = {**score(val_y, proba, universe), "seconds": round(time.perf_counter() - started, 1)}
        log(
            f"candidate {name}: validation macro-F1 {scores[name]['macro_f1']:.3f} "
            f"({scores[name]['seconds']} s, {len(bounds)} time folds)"
        )
    base_pred = [universe[i] for i in pooled["tfidf"].argmax(axis=1)]
    eligible = []
    for n in pooled:
        if n == "tfidf":
            continue
        gain = bootstrap_delta(
            val_y, base_pred, [universe[i] for i in pooled[n].argmax(axis=1)], n=n_boot, level=level
        )
        scores[n]["gain_over_tfidf"] = gain
        if gain["low"] > 0:  # better than the baseline by more than the noise
            eligible.append(n)
    chosen = max(eligible, key=lambda n: (scores[n]["macro_f1"], -names.index(n))) if eligible else "tfidf"
    proba = pooled[chosen]
    predicted = [universe[i] for i in proba.argmax(axis=1)]
    thresholds = fit_thresholds(val_y, predicted, proba.max(axis=1), universe, target, targets)
    scores[chosen] = {**scores[chosen], **score(val_y, proba, universe, thresholds)}
    last = bounds[-1][0] - starts[0]
    val_predictions = {n: [universe[i] for i in p[last:].argmax(axis=1)] for n, p in pooled.items()}
    model = (
        _fresh(chosen, pooled, options)
        if refit
        else (
            last_fitted.get(chosen)
            or cand.Averaged([last_fitted[n] for n in pooled if n not in ("tfidf", "ensemble")])
        )
    )
    if refit:
        started = time.perf_counter()
        model.fit(texts, labels)
        tracker.advance()
        scores[chosen]["refit_seconds"] = round(time.perf_counter() - started, 1)
    return Selection(
        model=model,
        thresholds=thresholds,
        chosen=chosen,
        validation=scores,
        val_predictions=val_predictions,
        val_truth=labels[bounds[-1][0] :],
        n_train=bounds[-1][0],
        n_validation=len(texts) - bounds[-1][0],
    )


def _fresh(name: str, fitted: dict, options: dict) -> cand.TextModel:
    """An unfitted copy of candidate ``name`` (the ensemble: of its members)."""
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
    return {
        "predicted": predicted,
        "confidence": [float(c) for c in confidence],
        "needs_review": [r is not None for r in reasons],
        "review_reason": reasons,
    }
