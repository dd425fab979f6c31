"""Rolling-origin backtest, MASE against seasonal naive, conformal intervals and the choice.

Layout of one backtest: ``origins`` cut points ``stride`` apart, the last one ``horizon`` points
before the end; every model is fit once on the points before the FIRST cut and, at each cut,
forecasts ``horizon`` points from the history up to that cut. No judged point is ever in a fit.

Intervals are split-conformal on the backtest errors, normalised by sqrt(step): the half-width
at step h is q * sqrt(h), so intervals widen with the horizon and extend past the backtest
horizon (to 90 days). Reported coverage is leave-one-origin-out: the errors of each origin are
judged against q calibrated on the other origins only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Z80, Z95 = 1.2815515655446004, 1.959963984540054


def cuts(n: int, origins: int, stride: int, horizon: int) -> list[int]:
    """Backtest cut indices (history = values[:cut]); empty when the series is too short."""
    last = n - horizon
    found = [last - stride * k for k in range(origins - 1, -1, -1)]
    return found if found and found[0] > 0 else []


def mase_scale(train: np.ndarray, season: int) -> float:
    """Mean absolute seasonal difference of the training part (MASE denominator)."""
    m = season if len(train) > season else 1
    diffs = np.abs(train[m:] - train[:-m]) if len(train) > m else np.array([])
    scale = float(diffs.mean()) if diffs.size else 0.0
    return scale if scale > 0 else float(np.abs(train).mean() or 1.0)


def quantile_q(errors: np.ndarray, level: float) -> float:
    """Conformal quantile of |error| / sqrt(step) with the finite-sample correction."""
    steps = np.sqrt(np.arange(1, errors.shape[-1] + 1))
    scores = np.sort((np.abs(errors) / steps).ravel())
    if scores.size == 0:
        return 0.0
    rank = min(int(np.ceil((scores.size + 1) * level)), scores.size) - 1
    return float(scores[rank])


def loo_coverage(errors: np.ndarray, level: float) -> float:
    """Share of backtest points inside an interval calibrated without their own origin."""
    if errors.shape[0] < 2:
        return float("nan")
    steps = np.sqrt(np.arange(1, errors.shape[1] + 1))
    inside = [np.abs(errors[k]) <= quantile_q(np.delete(errors, k, axis=0), level) * steps
              for k in range(errors.shape[0])]
    return float(np.mean(inside))


def half_widths(q: float, n: int) -> np.ndarray:
    return q * np.sqrt(np.arange(1, n + 1))


@dataclass
class Score:
    name: str
    mase: float
    relative_mase: float  # MASE / seasonal-naive MASE
    coverage80: float
    coverage95: float
    q80: float
    q95: float
    members: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: (round(v, 5) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def score(name: str, forecasts: np.ndarray, actuals: np.ndarray, scale: float,
          naive_mase: float | None, members: list[str] | None = None) -> Score:
    errors = actuals - forecasts
    mase = float(np.abs(errors).mean() / scale)
    base = naive_mase if naive_mase else mase
    return Score(name, mase, mase / base if base else 1.0, loo_coverage(errors, 0.8),
                 loo_coverage(errors, 0.95), quantile_q(errors, 0.8), quantile_q(errors, 0.95),
                 members or [name])


def select(backtests: dict[str, np.ndarray], actuals: np.ndarray, scale: float,
           min_coverage80: float) -> tuple[Score, list[Score]]:
    """Scores of every candidate plus the ensemble (mean) of the best two; the winner is the
    lowest MASE among those whose 80 % coverage reaches ``min_coverage80`` (or overall)."""
    naive = score("naive", backtests["naive"], actuals, scale, None)
    scores = [naive] + [score(n, f, actuals, scale, naive.mase)
                        for n, f in backtests.items() if n != "naive"]
    ranked = sorted((s for s in scores if s.name != "naive"), key=lambda s: s.mase)
    if len(ranked) >= 2:
        pair = [ranked[0].name, ranked[1].name]
        mean = (backtests[pair[0]] + backtests[pair[1]]) / 2
        scores.append(score("ensemble", mean, actuals, scale, naive.mase, pair))
    covered = [s for s in scores if not s.coverage80 < min_coverage80] or scores
    return min(covered, key=lambda s: (s.mase, s.name != "naive")), scores
