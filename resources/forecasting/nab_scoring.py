"""NAB scoring (Numenta Anomaly Benchmark, standard profile), written from NAB's published rules
(``nab/sweeper.py`` and ``config/profiles.json`` at numenta/NAB ea702d7) so that the anomaly
detector is judged the way NAB's scoreboard judges detectors:

- each labelled window counts once: the earliest detection in it scores up to +tp_weight
  (a scaled sigmoid of its position: 1.0 at the left edge, 0 at the right edge); a window with
  no detection costs -fn_weight;
- a detection outside every window costs fp_weight times a scaled sigmoid of its distance
  past the previous window's right edge (about -fp_weight far from any window);
- the first 15 % of each file (at most 750 rows) is probationary: not scored;
- the raw score is normalised: 100 x (raw - null) / (perfect - null), the null detector
  (no detection: -fn_weight per window) at 0 and the perfect one (every window at its
  left edge) at 100; one threshold for the whole corpus, the best one (as NAB optimises it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PROFILES = {
    "standard": (1.0, 1.0, 0.11),
    "reward_low_FP_rate": (1.0, 1.0, 0.22),
    "reward_low_FN_rate": (1.0, 2.0, 0.11),
}  # (tp, fn, fp) weights
PROBATION_SHARE, PROBATION_MAX = 0.15, 750


def scaled_sigmoid(position: float) -> float:
    return -1.0 if position > 3.0 else 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


@dataclass
class ScoredFile:
    """Per row: the score a detection there would earn, and its window (-1 outside, -2
    probationary)."""

    weights: np.ndarray
    window: np.ndarray
    windows: int  # scored windows (not inside the probation)
    scores: np.ndarray  # the detector's anomaly scores, in [0, 1]


def sweep(
    times: np.ndarray, scores: np.ndarray, windows: list[tuple], profile: str = "standard"
) -> ScoredFile:
    """``times``: sorted timestamps (numpy datetime64); ``windows``: (start, end) pairs, both
    timestamps of rows of the file (NAB's windows are)."""
    tp_w, _, fp_w = PROFILES[profile]
    n = len(times)
    weights, window = np.empty(n), np.full(n, -1)
    max_tp = scaled_sigmoid(-1.0)
    bounds = sorted(
        (int(np.searchsorted(times, np.datetime64(a))), int(np.searchsorted(times, np.datetime64(b))))
        for a, b in windows
    )
    prev_right, prev_width, k = None, None, 0
    for i in range(n):
        if k < len(bounds) and bounds[k][0] <= i <= bounds[k][1]:
            left, right = bounds[k]
            width = right - left + 1
            weights[i] = scaled_sigmoid(-(right - i + 1) / width) * tp_w / max_tp
            window[i] = k
            if i == right:
                prev_right, prev_width, k = right, width, k + 1
        else:
            if prev_right is None:
                weights[i] = -1.0 * fp_w
            else:
                weights[i] = scaled_sigmoid(abs(prev_right - i) / (prev_width - 1)) * fp_w
    probation = int(min(math.floor(PROBATION_SHARE * n), PROBATION_SHARE * 5000))
    window[:probation] = -2
    scored = len({int(w) for w in window if w >= 0})
    return ScoredFile(weights, window, scored, np.asarray(scores, dtype=float))


def raw_score(f: ScoredFile, threshold: float, profile: str = "standard") -> tuple[float, dict]:
    """Raw NAB score of one file at ``threshold`` and its counts (windows hit/missed, FPs)."""
    fn_w = PROFILES[profile][1]
    hit = f.scores >= threshold
    total, hits = 0.0, 0
    for k in sorted({int(w) for w in f.window if w >= 0}):
        inside = hit & (f.window == k)
        if inside.any():
            total += float(f.weights[inside].max())
            hits += 1
        else:
            total -= fn_w
    false = hit & (f.window == -1)
    total += float(f.weights[false].sum())
    return total, {"windows": f.windows, "detected": hits, "false_positives": int(false.sum())}


def normalised(files: list[ScoredFile], threshold: float, profile: str = "standard") -> float:
    """100 x (raw - null) / (perfect - null) over the files at one threshold."""
    fn_w = PROFILES[profile][1]
    windows = sum(f.windows for f in files)
    if windows == 0:
        return float("nan")
    raw = sum(raw_score(f, threshold, profile)[0] for f in files)
    null, perfect = -fn_w * windows, PROFILES[profile][0] * windows
    return 100.0 * (raw - null) / (perfect - null)


def best_threshold(
    files: list[ScoredFile], profile: str = "standard", grid: np.ndarray | None = None
) -> tuple[float, float]:
    """(threshold, normalised score) maximising the corpus score, as NAB's optimiser does."""
    grid = np.round(np.arange(0.0, 1.0001, 0.0025), 4) if grid is None else grid
    found = [(normalised(files, float(t), profile), float(t)) for t in grid]
    score, threshold = max(found)
    return threshold, score
