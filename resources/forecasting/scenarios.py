"""What-if scenarios over the daily capacity forecasts: growth from a date, a step, a resource
removed. Read from a small YAML (``scenarios: [...]``) or the asset's run config; each scenario
transforms the baseline forecast and its bands (multiplicative, so the bands stay ordered and
widen with the load), then days to threshold and crossing probabilities are recomputed by the
same code as the baseline's (``headroom_row``).

Kinds (``metric`` required, ``resource`` optional: every resource of the metric when absent):
- ``growth``: ``rate_pct`` per 30 days, compounding daily, from ``start`` (a date; the origin
  when absent): a trend the baseline does not know (new customers, a campaign);
- ``step``: ``pct`` more load from ``start`` (onboarding N users, an application migrated onto
  the resource adding X % load);
- ``remove``: ``resource`` is taken out of service from ``start``; its forecast load moves to
  the remaining resources of the metric in proportion to their own (a cluster node or a gateway
  decommissioned). For a utilisation (%) metric the others' utilisation rises by the removed
  resource's share; for a volume the removed resource's volume is spread the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import yaml

KINDS = ("growth", "step", "remove")
SHIPPED = Path(__file__).with_name("capacity_scenarios.yaml")


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str
    metric: str
    resource: str | None = None
    start: date | None = None
    rate_pct: float = 0.0
    pct: float = 0.0


def parse_scenarios(items: list[dict], where: str = "scenarios") -> list[Scenario]:
    """Validate; errors name the source and the scenario's position and field."""
    out = []
    for i, item in enumerate(items or []):
        item = dict(item)
        unknown = set(item) - {"name", "kind", "metric", "resource", "start", "rate_pct", "pct"}
        if unknown or not {"name", "kind", "metric"} <= set(item):
            raise ValueError(
                f"{where}[{i}] needs name, kind, metric (optional resource, start, "
                f"rate_pct, pct); got {sorted(item)}"
            )
        if item["kind"] not in KINDS:
            raise ValueError(f"{where}[{i}].kind is {item['kind']!r}: expected one of {KINDS}")
        if item["kind"] == "remove" and not item.get("resource"):
            raise ValueError(f"{where}[{i}]: kind remove needs the resource taken out")
        start = item.get("start")
        try:
            start = date.fromisoformat(str(start)) if start is not None else None
            rate, pct = float(item.get("rate_pct", 0.0)), float(item.get("pct", 0.0))
        except ValueError as exc:
            raise ValueError(f"{where}[{i}]: {exc}") from None
        out.append(
            Scenario(
                str(item["name"]), item["kind"], str(item["metric"]), item.get("resource"), start, rate, pct
            )
        )
    names = [s.name for s in out]
    if len(set(names)) != len(names) or "baseline" in names:
        raise ValueError(f"{where}: scenario names must be unique and not 'baseline': {names}")
    return out


def load_scenarios(path: str | Path) -> list[Scenario]:
    path = Path(path)
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return parse_scenarios(doc.get("scenarios") or [], str(path))


BANDS = ("forecast", "lo80", "hi80", "lo95", "hi95")


def _identity(frame: pl.DataFrame) -> pl.DataFrame:
    """metric and resource columns from series_id = metric/resource.../agg."""
    parts = pl.col("series_id").str.split("/")
    return frame.with_columns(
        metric=parts.list.first(), resource=parts.list.slice(1, parts.list.len() - 2).list.join("/")
    )


def apply_scenario(daily: pl.DataFrame, scenario: Scenario, capped: set[str] = frozenset()) -> pl.DataFrame:
    """The daily forecasts (capacity_forecasts rows, grain daily) under ``scenario``: the
    series it touches, transformed (the others are left out); ``capped``: series ids of
    utilisation (%) series, kept within 0-100. Pure."""
    frame = _identity(daily)
    start = pl.lit(scenario.start) if scenario.start else pl.col("origin")
    day = pl.col("target_time").dt.date()
    active = day >= start
    mine = frame.filter(pl.col("metric") == scenario.metric)
    if scenario.kind == "remove":
        gone = mine.filter(pl.col("resource") == scenario.resource)
        if gone.height == 0:
            return frame.clear().drop("metric", "resource")
        rest = mine.filter(pl.col("resource") != scenario.resource)
        agg = pl.col("series_id").str.split("/").list.last()
        totals = (
            rest.with_columns(agg=agg)
            .group_by("origin", "target_time", "agg")
            .agg(others=pl.col("forecast").sum())
        )
        moved = gone.with_columns(agg=agg).select("origin", "target_time", "agg", removed=pl.col("forecast"))
        factor = (1 + pl.col("removed") / pl.col("others")).fill_null(1.0)
        rest = (
            rest.with_columns(agg=agg)
            .join(totals, on=["origin", "target_time", "agg"])
            .join(moved, on=["origin", "target_time", "agg"], how="left")
            .with_columns(factor=pl.when(active).then(factor).otherwise(1.0))
        )
        out = rest.with_columns([pl.col(c) * pl.col("factor") for c in BANDS])
    else:
        if scenario.resource:
            mine = mine.filter(pl.col("resource") == scenario.resource)
        if scenario.kind == "growth":
            elapsed = (day - start).dt.total_days().clip(lower_bound=0)
            factor = (1 + scenario.rate_pct / 100) ** (elapsed / 30)
        else:
            factor = pl.lit(1 + scenario.pct / 100)
        out = mine.with_columns(factor=pl.when(active).then(factor).otherwise(1.0))
        out = out.with_columns([pl.col(c) * pl.col("factor") for c in BANDS])
    percent = pl.col("series_id").is_in(sorted(capped))  # a utilisation stays a %
    out = out.with_columns(
        [pl.when(percent).then(pl.col(c).clip(0, 100)).otherwise(pl.col(c)) for c in BANDS]
    )
    return out.select(daily.columns)
