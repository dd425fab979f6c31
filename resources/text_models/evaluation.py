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


def _macro_f1_rows(truth: np.ndarray, pred: np.ndarray, idx: np.ndarray, k: int, labels) -> np.ndarray:
    """Macro-F1 of each resample (one row of ``idx`` each) at once, as sklearn's ``f1_score``
    with ``average="macro", zero_division=0``: over ``labels`` (codes) when given, else over
    the labels present in that resample's truth or prediction.

    Counting per resample with one ``bincount`` instead of calling sklearn 2 × n times is what
    keeps a candidate's bootstrap under a second (sklearn's validation of object lists took
    about a minute per ticket target on 2 cores)."""
    r = idx.shape[0]
    t, p = truth[idx], pred[idx]
    offset = (np.arange(r) * k)[:, None]
    support = np.bincount((t + offset).ravel(), minlength=r * k).reshape(r, k)
    predicted = np.bincount((p + offset).ravel(), minlength=r * k).reshape(r, k)
    hits = np.bincount((t + offset)[t == p], minlength=r * k).reshape(r, k)
    denom = support + predicted
    f1 = np.divide(2 * hits, denom, out=np.zeros(denom.shape), where=denom > 0)
    if labels is not None:
        return f1[:, labels].mean(axis=1) if len(labels) else np.zeros(r)
    present = denom > 0
    return f1.sum(axis=1) / np.maximum(present.sum(axis=1), 1)


def bootstrap_delta(
    truth, predicted_a, predicted_b, n: int = 300, seed: int = 0, level: float = 0.90, labels=None
) -> dict:
    """Macro-F1 (over ``labels``, default all) of B minus A, with its bootstrap interval (rows
    resampled with replacement; the same resamples as drawing ``rng.integers(0, N, N)`` n
    times)."""
    truth, a, b = (list(x) for x in (truth, predicted_a, predicted_b))
    code = {label: i for i, label in enumerate(sorted(set(truth) | set(a) | set(b)))}
    if labels is not None:
        # A label absent from every list scores 0 in sklearn and still counts in the average.
        for label in labels:
            code.setdefault(label, len(code))
    t, ca, cb = (np.fromiter((code[x] for x in xs), dtype=np.int64, count=len(xs)) for xs in (truth, a, b))
    wanted = None if labels is None else np.asarray([code[x] for x in labels], dtype=np.int64)
    k = len(code)
    rng = np.random.default_rng(seed)
    deltas = []
    for start in range(0, n, 64):
        idx = np.stack([rng.integers(0, len(t), len(t)) for _ in range(min(64, n - start))])
        deltas.append(_macro_f1_rows(t, cb, idx, k, wanted) - _macro_f1_rows(t, ca, idx, k, wanted))
    lo, hi = np.quantile(np.concatenate(deltas), [(1 - level) / 2, 1 - (1 - level) / 2])
    return {
        "delta": round(macro_f1(truth, b, labels) - macro_f1(truth, a, labels), 4),
        "low": round(float(lo), 4),
        "high": round(float(hi), 4),
        "level": level,
        "n": n,
    }
