"""Hierarchical forecasts that add up: resource -> cluster -> platform, API -> family -> platform.

The hierarchy comes from a YAML (``capacity_hierarchy.yaml``): per summed metric, each
resource's parents up to the top. Base forecasts: the bottom series' own (capacity_forecasts);
each aggregate node is forecast from the sum of its children's histories by the same selection
as every series (``forecast_node``). Reconciliation is MinT with a diagonal covariance (WLS,
"wls_var" in hierarchicalforecast's terms): ``y~ = S (S' W^-1 S)^-1 S' W^-1 y^`` with W the
squared one-step sigma implied by each node's 80 % band, so noisy nodes move most. Bands are
shifted with their point forecast (their widths are kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from resources.forecasting.backtest import Z80, cuts
from resources.forecasting.fitting import backtest_candidates, fallback_reason, interval_meta, layout
from resources.forecasting.history import History
from resources.forecasting.predict import with_intervals
from resources.forecasting.settings import ForecastSettings

SHIPPED = Path(__file__).with_name("capacity_hierarchy.yaml")


@dataclass(frozen=True)
class Hierarchy:
    metric: str
    agg: str
    levels: tuple[str, ...]
    parents: dict[str, tuple[str, ...]]  # resource -> parents, nearest first

    def node(self, name: str) -> str:
        return f"{self.metric}/{name}/{self.agg}"

    def structure(self, bottoms: list[str]) -> tuple[list[str], list[str], np.ndarray]:
        """(node ids top-down then bottoms, their levels, S: nodes x bottoms summing matrix) for
        the resources present."""
        uppers: list[tuple[str, str]] = []
        for resource in bottoms:
            for depth, parent in enumerate(self.parents[resource]):
                if (parent, self.levels[depth + 1]) not in uppers:
                    uppers.append((parent, self.levels[depth + 1]))
        uppers.sort(key=lambda p: -self.levels.index(p[1]))
        nodes = [self.node(p) for p, _ in uppers] + [self.node(b) for b in bottoms]
        levels = [lvl for _, lvl in uppers] + [self.levels[0]] * len(bottoms)
        s = np.zeros((len(nodes), len(bottoms)))
        for j, resource in enumerate(bottoms):
            s[len(uppers) + j, j] = 1.0
            for parent in self.parents[resource]:
                s[nodes.index(self.node(parent)), j] = 1.0
        return nodes, levels, s


def load_hierarchies(path: str | Path = "") -> list[Hierarchy]:
    """Validate; errors name the file, the hierarchy and the resource."""
    path = Path(path) if path else SHIPPED
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for i, item in enumerate(doc.get("hierarchies") or []):
        if not {"metric", "levels", "parents"} <= set(item):
            raise ValueError(f"{path}: hierarchies[{i}] needs metric, levels, parents")
        levels = tuple(item["levels"])
        parents = {}
        for resource, chain in (item["parents"] or {}).items():
            if len(chain) != len(levels) - 1:
                raise ValueError(
                    f"{path}: hierarchies[{i}].parents.{resource} has {len(chain)} "
                    f"parents, the levels {list(levels)} need {len(levels) - 1}"
                )
            parents[str(resource)] = tuple(str(c) for c in chain)
        out.append(Hierarchy(str(item["metric"]), str(item.get("agg", "sum")), levels, parents))
    return out


def mint_wls(base: np.ndarray, s: np.ndarray, variances: np.ndarray) -> np.ndarray:
    """Reconciled forecasts (nodes x steps) from base forecasts (nodes x steps)."""
    w_inv = np.diag(1.0 / np.maximum(variances, 1e-12))
    p = np.linalg.solve(s.T @ w_inv @ s, s.T @ w_inv)
    return s @ (p @ base)


def forecast_node(hist: History, settings: ForecastSettings, steps: int) -> dict[str, np.ndarray]:
    """Bands of one (aggregate) daily series by the pipeline's selection, without storing a
    model: the one pure per-series function of the hierarchy."""
    horizon, stride, train_len = layout(hist.grain, settings)
    cut_points = cuts(len(hist.values), settings.backtest_origins, stride, horizon)
    start = max(0, len(hist.values) - train_len)
    if fallback_reason(hist, cut_points, hist.season):
        m = hist.season if len(hist.values) > hist.season else 1
        point = np.resize(hist.values[-m:], steps)
        diffs = np.abs(hist.values[m:] - hist.values[:-m]) if len(hist.values) > m else np.zeros(1)
        meta = {
            "q80": float(np.quantile(diffs, 0.8)),
            "q95": float(np.quantile(diffs, 0.95)),
            "profile": [1.0],
        }
        return with_intervals(meta, point, hist.unit)
    bt = backtest_candidates(
        hist, settings, [c for c in settings.daily_candidates if c != "lstm"], cut_points, None
    )
    winner, _ = bt.select(settings)
    point = np.mean(
        [bt.fitted[n].predict(hist, hist.values[start:], start, steps) for n in winner.members], axis=0
    )
    return with_intervals(interval_meta(winner, settings), point, hist.unit)


def one_step_variance(bands: dict[str, np.ndarray]) -> float:
    return float(((bands["hi80"][0] - bands["lo80"][0]) / (2 * Z80)) ** 2)
