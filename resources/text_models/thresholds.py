"""Per-class confidence thresholds at a target precision (ServiceNow Predictive Intelligence
style) and the ``needs_review`` reason of a prediction that does not clear its class's bar.

On validation, for each predicted class, predictions are sorted by confidence; the threshold
is the lowest confidence at which the predictions at or above it reach the class's target
precision (default 0.87). A class that never reaches it on validation, or that validation
never predicted, gets no threshold: its predictions always go to review, and the reason says so.
"""

from __future__ import annotations

import numpy as np

DEFAULT_TARGET = 0.87
NEVER = 1.01  # above any probability: the class is never answered automatically


def fit_thresholds(
    truth: list[str],
    predicted: list[str],
    confidence,
    classes,
    target: float = DEFAULT_TARGET,
    targets: dict[str, float] | None = None,
    min_support: int = 3,
) -> dict[str, dict]:
    """{class: {threshold, target, precision, coverage, support}} measured on validation."""
    truth, predicted = np.asarray(truth, dtype=object), np.asarray(predicted, dtype=object)
    confidence = np.asarray(confidence, dtype=float)
    out = {}
    for label in classes:
        goal = float((targets or {}).get(str(label), target))
        rows = np.flatnonzero(predicted == label)
        entry = {
            "threshold": NEVER,
            "target": goal,
            "precision": None,
            "coverage": 0.0,
            "support": int(rows.size),
        }
        if rows.size >= min_support:
            order = rows[np.argsort(-confidence[rows], kind="stable")]
            hits = np.cumsum(truth[order] == label)
            precision = hits / np.arange(1, order.size + 1)
            ok = np.flatnonzero(precision >= goal)
            ok = ok[ok + 1 >= min_support]
            if ok.size:
                k = int(ok.max())
                entry.update(
                    threshold=float(confidence[order[k]]),
                    precision=float(precision[k]),
                    coverage=float((k + 1) / rows.size),
                )
        out[str(label)] = entry
    return out


def review_reasons(predicted: list[str], confidence, thresholds: dict[str, dict]) -> list[str | None]:
    """None where the prediction is answered automatically, else why it needs review."""
    reasons: list[str | None] = []
    for label, conf in zip(predicted, np.asarray(confidence, dtype=float)):
        entry = thresholds.get(str(label))
        if entry is None:
            reasons.append(f"class {label!r} has no threshold (not seen on validation)")
        elif entry["threshold"] >= NEVER:
            reasons.append(f"class {label!r} never reached precision {entry['target']:.2f} on validation")
        elif conf < entry["threshold"]:
            reasons.append(
                f"confidence {conf:.2f} below {label!r} threshold {entry['threshold']:.2f} "
                f"(target precision {entry['target']:.2f})"
            )
        else:
            reasons.append(None)
    return reasons
