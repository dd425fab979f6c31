"""Scores of a text model on labelled rows: macro-F1, accuracy, weighted precision, top-3
accuracy, and precision/coverage per class and overall at the per-class thresholds; and the
bootstrap interval of the macro-F1 difference between two models on the same rows."""

from __future__ import annotations

import numpy as np

from resources.text_models.thresholds import review_reasons


def macro_f1(truth, predicted, labels=None) -> float:
    """Macro-F1 over ``labels`` (default: every label seen in truth or prediction)."""
    from sklearn.metrics import f1_score

    if labels is not None and not len(labels):
        return 0.0
    labels = sorted(set(truth) | set(predicted)) if labels is None else list(labels)
    return float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0))


def top_k_accuracy(truth, proba: np.ndarray, classes, k: int = 3) -> float:
    if not len(truth):
        return 0.0
    top = np.argsort(-proba, axis=1)[:, :k]
    classes = np.asarray(classes, dtype=object)
    return float(np.mean([t in set(classes[row]) for t, row in zip(truth, top)]))


def score(truth: list[str], proba: np.ndarray, classes, thresholds: dict | None = None) -> dict:
    """Every figure the benchmark table and the registry need, for one model on one set."""
    from sklearn.metrics import precision_score

    classes = np.asarray(classes, dtype=object)
    best = proba.argmax(axis=1) if len(truth) else np.zeros(0, dtype=int)
    predicted = [str(classes[i]) for i in best]
    confidence = proba[np.arange(len(best)), best] if len(truth) else np.zeros(0)
    out = {
        "n": len(truth),
        "macro_f1": round(macro_f1(truth, predicted), 4),
        "accuracy": round(float(np.mean(np.asarray(truth) == np.asarray(predicted))), 4) if truth else 0.0,
        "weighted_precision": round(
            float(precision_score(truth, predicted, average="weighted", zero_division=0)), 4
        )
        if truth
        else 0.0,
        "top3_accuracy": round(top_k_accuracy(truth, proba, classes, 3), 4),
    }
    if thresholds is not None and truth:
        answered = np.asarray([r is None for r in review_reasons(predicted, confidence, thresholds)])
        t, p = np.asarray(truth, dtype=object), np.asarray(predicted, dtype=object)
        out["coverage"] = round(float(answered.mean()), 4)
        out["answered_precision"] = (
            round(float((t[answered] == p[answered]).mean()), 4) if answered.any() else None
        )
        out["answered_weighted_precision"] = (
            round(
                float(
                    precision_score(list(t[answered]), list(p[answered]), average="weighted", zero_division=0)
                ),
                4,
            )
            if answered.any()
            else None
        )
        per_class = {}
        for label in sorted(set(truth) | set(predicted)):
            mine = p == label
            got = mine & answered
            per_class[label] = {
                "threshold": round(thresholds.get(label, {}).get("threshold", 1.01), 4),
                "precision": round(float((t[got] == label).mean()), 4) if got.any() else None,
                "coverage": round(float(got.sum() / mine.sum()), 4) if mine.any() else None,
                "support": int((t == label).sum()),
            }
        out["per_class"] = per_class
    return out


def bootstrap_delta(
    truth, predicted_a, predicted_b, n: int = 300, seed: int = 0, level: float = 0.90, labels=None
) -> dict:
    """Macro-F1 (over ``labels``, default all) of B minus A, with its bootstrap interval (rows
    resampled with replacement)."""
    truth = np.asarray(truth, dtype=object)
    a, b = np.asarray(predicted_a, dtype=object), np.asarray(predicted_b, dtype=object)
    rng = np.random.default_rng(seed)
    deltas = []
    for _ in range(n):
        idx = rng.integers(0, truth.size, truth.size)
        deltas.append(
            macro_f1(list(truth[idx]), list(b[idx]), labels)
            - macro_f1(list(truth[idx]), list(a[idx]), labels)
        )
    lo, hi = np.quantile(deltas, [(1 - level) / 2, 1 - (1 - level) / 2])
    return {
        "delta": round(macro_f1(list(truth), list(b), labels) - macro_f1(list(truth), list(a), labels), 4),
        "low": round(float(lo), 4),
        "high": round(float(hi), 4),
        "level": level,
        "n": n,
    }
