"""Rolling-origin backtest, MASE against seasonal naive, conformal intervals and the choice.

Layout of one backtest: ``origins`` cut points ``stride`` apart, the last one ``horizon`` points
before the end; every model is fit once on the points before the FIRST cut and, at each cut,
forecasts ``horizon`` points from the history up to that cut. No judged point is ever in a fit.

Intervals are conformal on the backtest errors normalised by an error profile: the mean
absolute error at each step, made non-decreasing (cumulative maximum), and past the backtest
horizon grown as sqrt(step) from its last value. The half-width at step h is q * profile(h):
intervals widen with the horizon, fit the error's real shape (a seasonal misfit is as large at
step 1 as at step 20) and extend to 90 days. q is cross-conformal (``loo_q``: each origin judged
against the profile of the others), which covers the next weeks where the split quantile did
not. Reported coverage is leave-one-origin-out: each
origin's errors are judged against a profile and q calibrated on the other origins only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Z80 = 1.2815515655446004  # standard normal quantile of 0.9: an 80 % central interval


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


def error_profile(errors: np.ndarray) -> np.ndarray:
    """Non-decreasing mean absolute error per step (never 0, so scores stay finite)."""
    mean_abs = np.abs(errors).mean(axis=0)
    floor = max(float(mean_abs.mean()) * 1e-3, 1e-12)
    return np.maximum.accumulate(np.maximum(mean_abs, floor))


def widths(profile: list[float] | np.ndarray, n: int) -> np.ndarray:
    """The profile over n steps, extended by sqrt(step) growth past its end."""
    profile = np.asarray(profile, dtype=float)
    steps = np.arange(1, n + 1)
    last = len(profile)
    grown = profile[-1] * np.sqrt(steps / last)
    return np.where(steps <= last, profile[np.minimum(steps, last) - 1], grown)


def quantile_q(errors: np.ndarray, level: float, profile: np.ndarray) -> float:
    """Conformal quantile of |error| / profile with the finite-sample correction."""
    scores = np.sort((np.abs(errors) / profile).ravel())
    if scores.size == 0:
        return 0.0
    rank = min(int(np.ceil((scores.size + 1) * level)), scores.size) - 1
    return float(scores[rank])


def loo_q(errors: np.ndarray, level: float, profile: np.ndarray) -> float:
    """Cross-conformal quantile: each origin's |error| scored against the profile of the OTHER
    origins, pooled, then the conformal quantile. The plain split quantile scores each origin
    against a profile it helped estimate and under-covers on the next weeks (0.76 / 0.89 for
    nominal 0.80 / 0.95 in ``bench/forecast.py``); leaving the origin out adds the origin-to-
    origin variation of the error's size, which is what the future brings. Never narrower than
    the split quantile."""
    split = quantile_q(errors, level, profile)
    if errors.shape[0] < 3:
        return split
    scores = np.concatenate(
        [np.abs(errors[k]) / error_profile(np.delete(errors, k, axis=0)) for k in range(errors.shape[0])]
    )
    rank = min(int(np.ceil((scores.size + 1) * level)), scores.size) - 1
    return max(split, float(np.sort(scores)[rank]))


def loo_coverage(errors: np.ndarray, level: float) -> float:
    """Share of backtest points inside an interval calibrated without their own origin."""
    if errors.shape[0] < 2:
        return float("nan")
    inside = []
    for k in range(errors.shape[0]):
        others = np.delete(errors, k, axis=0)
        profile = error_profile(others)
        inside.append(np.abs(errors[k]) <= quantile_q(others, level, profile) * profile)
    return float(np.mean(inside))


@dataclass
class Score:
    name: str
    mase: float
    relative_mase: float  # MASE / seasonal-naive MASE
    coverage80: float
    coverage95: float
    q80: float
    q95: float
    profile: list[float]
    members: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def score(
    name: str,
    forecasts: np.ndarray,
    actuals: np.ndarray,
    scale: float,
    naive_mase: float | None,
    members: list[str] | None = None,
) -> Score:
    errors = actuals - forecasts
    mase = float(np.abs(errors).mean() / scale)
    base = naive_mase if naive_mase else mase
    profile = error_profile(errors)
    return Score(
        name,
        mase,
        mase / base if base else 1.0,
        loo_coverage(errors, 0.8),
        loo_coverage(errors, 0.95),
        loo_q(errors, 0.8, profile),
        loo_q(errors, 0.95, profile),
        profile.tolist(),
        members or [name],
    )


def _wins(forecasts: np.ndarray, naive: np.ndarray, actuals: np.ndarray) -> float:
    """Share of backtest origins where ``forecasts`` has a lower mean absolute error than naive."""
    mine = np.abs(actuals - forecasts).mean(axis=1)
    base = np.abs(actuals - naive).mean(axis=1)
    return float((mine < base).mean())


def select(
    backtests: dict[str, np.ndarray],
    actuals: np.ndarray,
    scale: float,
    min_coverage80: float,
    margin: float = 0.0,
    min_wins: float = 0.0,
) -> tuple[Score, list[Score]]:
    """Scores of every candidate plus the ensemble (mean) of the best two; the winner is the
    lowest MASE among those whose 80 % coverage reaches ``min_coverage80`` (or overall).

    Shrinkage to seasonal naive: a candidate other than naive is only eligible when its backtest
    MASE is at least ``margin`` below naive's AND it beats naive on at least ``min_wins`` of the
    origins. A handful of origins ranks noisy candidates by luck; a candidate that wins by a
    hair on average, or thanks to one origin, loses on the next weeks about as often as it wins,
    and where it loses it can lose badly. Without a clear winner, seasonal naive."""
    naive = score("naive", backtests["naive"], actuals, scale, None)
    scores = [naive] + [score(n, f, actuals, scale, naive.mase) for n, f in backtests.items() if n != "naive"]
    ranked = sorted((s for s in scores if s.name != "naive"), key=lambda s: s.mase)
    if len(ranked) >= 2:
        pair = [ranked[0].name, ranked[1].name]
        mean = (backtests[pair[0]] + backtests[pair[1]]) / 2
        scores.append(score("ensemble", mean, actuals, scale, naive.mase, pair))
    forecasts = {s.name: np.mean([backtests[m] for m in s.members], axis=0) for s in scores}

    def clear(s: Score) -> bool:
        return s.name == "naive" or (
            s.mase <= (1 - margin) * naive.mase
            and _wins(forecasts[s.name], backtests["naive"], actuals) >= min_wins
        )

    eligible = [s for s in scores if clear(s)]
    covered = [s for s in eligible if not s.coverage80 < min_coverage80] or eligible
    return min(covered, key=lambda s: (s.mase, s.name != "naive")), scores
