"""Forecasting benchmark: (a) accuracy on real series against seasonal naive and a statsforecast
peer, (b) time and memory for 1,000 series.

    .venv/bin/python bench/forecast.py [--data ../shared/data] [--series 1000] [--workers 2]
                                       [--days 730] [--skip-accuracy] [--skip-scale]
                                       [--dask-series 8]

(a) NAB series (5-minute AWS CloudWatch and known-cause series, NYC taxi) resampled to hourly
    (the pipeline's sub-daily grain: mean for CPU % and latency, completed sum for counts) and
    the Prophet Peyton Manning daily log series. Each is cut at several origins (see
    ``accuracy``); at each the full pipeline (backtest, choice, conformal intervals) runs on the
    history before the origin only and is judged on what follows (hourly: next 24 h, daily: next
    28 days): MASE of the chosen model and of seasonal naive at the forecast grain and at the
    series' natural grain (5 or 30 min for NAB: see ``_natural``), scaled by the in-sample
    seasonal MAE, and the coverage of the 80 % and 95 % intervals.
(b) ``--series`` demo series (the 46 demo sources resampled over ``--days`` days, replicated
    with seeded level and noise changes): fit, backtest and choice for every series, daily and,
    for sub-daily sources, hourly, then every forecast (90 days daily, 7 days hourly), with
    ``--workers`` processes. Run it pinned to 2 cores: ``taskset -c 0,1 ...``.
(d) ``--dask-series N``: what Dask costs against in process for N per-series fits (the fits of
    ``bench/dask_overhead.py``, which also times the embedding batches): in process, then on a
    ``LocalCluster`` of ``--workers`` processes, the same models checked.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import warnings
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_data import DATA_ENV, default_data

warnings.filterwarnings("ignore")

import numpy as np
import polars as pl

from resources.forecasting.backtest import cuts, select, widths
from resources.forecasting.engine import LstmCache, forecast_frames, models_at
from resources.forecasting.fitting import backtest_candidates, fallback_reason, interval_meta, layout
from resources.forecasting.history import History, build_histories, day_end_utc
from resources.forecasting.outputs import forecast_frame
from resources.forecasting.predict import with_intervals
from resources.forecasting.resample import resample
from resources.forecasting.settings import ForecastSettings
from resources.forecasting.store import ModelStore
from resources.forecasting.within_hour import deviation_quantiles, native_bands
from resources.storage import LakehouseStorage

MEAN_LIKE = ("cpu", "latency", "utilization", "utilisation")  # read as a level: hourly mean
# rule variants compared on the development split: (margin, min_wins); the shipped one is the
# ForecastSettings default. (0, 0) is the rule of issue 5 (lowest backtest MASE wins).
WIDEN = (0.8, 1.0, 1.2)  # further multipliers of the shipped bands (1.0: as shipped); the
#   shipped widening (ForecastSettings.interval_widening80/95) was chosen with this table on
#   the development split: 1.15 / 1.5 x the cross-conformal half-widths
RULES = {
    "lowest_mase": (0.0, 0.0),
    "margin5_wins50": (0.05, 0.5),
    "margin10_wins50": (0.10, 0.5),
    "margin20_wins60": (0.20, 0.6),
}


def _nab_raw(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, try_parse_dates=True)
    missing = {"timestamp", "value"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: expected columns timestamp,value; missing {sorted(missing)}")
    unit = "%" if any(k in path.stem for k in MEAN_LIKE) else "count"
    ts = pl.col("timestamp").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    return frame.select(
        timestamp=ts,
        metric=pl.lit(path.stem),
        resource=pl.lit("nab"),
        value=pl.col("value").cast(pl.Float64),
        unit=pl.lit(unit),
    ).with_columns(partition_date=pl.col("timestamp").dt.convert_time_zone("Europe/Paris").dt.date())


def _daily_raw(path: Path) -> pl.DataFrame | None:
    """A ``ds,y`` CSV (Prophet's layout) as daily raw points; None for any other CSV."""
    frame = pl.read_csv(path, try_parse_dates=True)
    if not {"ds", "y"} <= set(frame.columns):
        return None
    return frame.select(
        timestamp=pl.col("ds").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
        metric=pl.lit(path.stem),
        resource=pl.lit(path.parent.name),
        value=pl.col("y").cast(pl.Float64),
        unit=pl.lit("level"),
    ).with_columns(partition_date=pl.col("timestamp").dt.date())


def discover(data: Path) -> tuple[list[tuple[str, pl.DataFrame]], list[tuple[str, pl.DataFrame]]]:
    """(NAB series, daily ds,y series), each with its group (the folder above the file)."""
    nab = [(p.parent.name, _nab_raw(p)) for p in sorted((data / "metrics" / "nab").rglob("*.csv"))]
    daily = [
        (p.parent.name, f)
        for p in sorted((data / "metrics" / "prophet").rglob("*.csv"))
        if (f := _daily_raw(p)) is not None
    ]
    if not nab and not daily:
        raise SystemExit(f"{data}: no CSV under metrics/nab/ or metrics/prophet/ (set --data or ${DATA_ENV})")
    return nab, daily


def peer(
    values: np.ndarray, season: int, cut_points: list[int], horizon: int, steps: int
) -> tuple[str, dict]:
    """statsforecast's best of AutoETS / AutoTheta / MSTL by its own rolling-origin backtest (the
    same cut points as the pipeline's; each model fit once before the first, ``forward`` at the
    others), refit on the whole window: what a user would pick instead of our selection."""
    from statsforecast.models import MSTL, AutoETS, AutoTheta

    seasons = [season, 168] if season == 24 else [season] + ([365] if len(values) > 3 * 365 else [])
    makers = {
        "AutoETS": lambda: AutoETS(season_length=season),
        "AutoTheta": lambda: AutoTheta(season_length=season),
        "MSTL": lambda: MSTL(season_length=seasons, trend_forecaster=AutoETS(model="ZZN")),
    }
    errors = {}
    for name, make in makers.items():
        try:
            model = make().fit(values[: cut_points[0]])
            errors[name] = np.mean(
                [
                    np.abs(values[c : c + horizon] - model.forward(y=values[:c], h=horizon)["mean"]).mean()
                    for c in cut_points
                ]
            )
        except Exception:  # noqa: BLE001 - a model that cannot fit this window is not chosen
            continue
    best = min(errors, key=errors.get)
    outs = {}
    for name in errors:  # every peer candidate, for the hindsight ceiling (``report``)
        try:
            outs[name] = makers[name]().forecast(y=values, h=steps, level=[80, 95])
        except Exception:  # backtested but cannot refit on the whole window: not offered
            if name == best:
                raise
    out = outs[best]
    return best, {
        "forecast": out["mean"],
        "lo80": out["lo-80"],
        "hi80": out["hi-80"],
        "lo95": out["lo-95"],
        "hi95": out["hi-95"],
        "candidates": {f"sf_{n}": o["mean"] for n, o in outs.items()},
    }


def _native(
    points: pl.DataFrame,
    hist: History,
    origin: date,
    steps: int,
    hourly: dict[str, np.ndarray],
    bands: dict[str, np.ndarray],
    hist_days: int = 28,
) -> dict:
    """MASE at the source's own grain (5 min, or 30 min for the taxi series): an hourly forecast
    holds for every native point of its hour (divided by the points per hour for a summed
    series); seasonal naive is the native point one day earlier; the scale is the in-sample mean
    absolute one-day difference of the native points before the origin. Coverage: the share of
    native points inside their hour's within-hour band (``within_hour.native_bands``, from the
    native points of the ``hist_days`` before the origin), and inside the hourly band itself."""
    step = points["timestamp"].diff().dt.total_minutes().median()
    per_hour = 60.0 / step if hist.agg == "sum" else 1.0
    lagged = points.join(
        points.with_columns(pl.col("timestamp") + timedelta(days=1)), on="timestamp", suffix="_day_before"
    )
    end = day_end_utc(origin).replace(tzinfo=ZoneInfo("UTC"))
    known = lagged.filter(pl.col("timestamp") < end)
    scale = (known["value"] - known["value_day_before"]).abs().mean()
    hours = pl.Series([end + timedelta(hours=k) for k in range(steps)]).dt.cast_time_unit("us")
    table = pl.DataFrame({"hour": hours, **{k: v / per_hour for k, v in {**hourly, **bands}.items()}})
    judged = (
        lagged.filter(pl.col("timestamp") >= end, pl.col("timestamp") < end + timedelta(hours=steps))
        .with_columns(hour=pl.col("timestamp").dt.truncate("1h"))
        .join(table, on="hour")
    )
    value = judged["value"]
    out = {f"native_{k}": (value - judged[k]).abs().mean() / scale for k in hourly}
    out["native_naive"] = (value - judged["value_day_before"]).abs().mean() / scale
    for level in ("80", "95"):  # the hourly band itself (issue 14's first figure: 0.67 / 0.90)
        out[f"native_hourlyband_cov{level}"] = (
            (value >= judged[f"lo{level}"]) & (value <= judged[f"hi{level}"])
        ).mean()
    recent = points.filter(pl.col("timestamp") < end, pl.col("timestamp") >= end - timedelta(days=hist_days))
    inner = native_bands(
        {"forecast": hourly["rule_shipped"], **bands},
        np.array([(end + timedelta(hours=k)).hour for k in range(steps)]),
        deviation_quantiles(recent),
        per_hour,
    )
    table = pl.DataFrame({"hour": hours, **{f"n_{k}": v for k, v in inner.items()}})
    joined = judged.select("hour", "value").join(table, on="hour")
    for level in ("80", "95"):  # the within-hour band (what the product publishes for native points)
        out[f"native_cov{level}"] = (
            (joined["value"] >= joined[f"n_lo{level}"]) & (joined["value"] <= joined[f"n_hi{level}"])
        ).mean()
    return out


def judge_origin(
    hist: History, origin: date, settings: ForecastSettings, steps: int, points: pl.DataFrame | None
) -> dict | None:
    """Backtest, choose (every rule of ``RULES`` and the shipped one), forecast ``steps`` from
    ``origin`` and judge against what followed; the statsforecast peer on the same origins."""
    known = hist.cut(origin)
    days = steps // 24 if hist.grain == "hourly" else steps
    actual = hist.cut(origin + timedelta(days=days)).values[len(known.values) : len(known.values) + steps]
    horizon, stride, train_len = layout(hist.grain, settings)
    cut_points = cuts(len(known.values), settings.backtest_origins, stride, horizon)
    if len(actual) < steps or fallback_reason(known, cut_points, known.season):
        return None
    candidates = settings.hourly_candidates if hist.grain == "hourly" else settings.daily_candidates
    bt = backtest_candidates(known, settings, [c for c in candidates if c != "lstm"], cut_points, None)
    start = max(0, len(known.values) - train_len)
    preds = {n: f.predict(known, known.values[start:], start, steps) for n, f in bt.fitted.items()}
    m = known.season
    scale = np.abs(known.values[m:] - known.values[:-m]).mean()
    preds["naive"] = np.resize(known.values[-m:], steps)
    rules = {**RULES, "shipped": (settings.selection_margin, settings.selection_min_wins)}
    chosen, row = {}, {"series": hist.series_id, "origin": origin}
    for rule, (margin, wins) in rules.items():
        winner, _ = select(bt.forecasts, bt.actuals, bt.scale, settings.min_coverage80, margin, wins)
        chosen[rule] = np.mean([preds[n] for n in winner.members], axis=0)
        if rule == "shipped":
            meta = interval_meta(winner, settings)
            bands = with_intervals(meta, chosen[rule], "level")
            row["model"] = winner.name
    window = known.values[
        max(0, len(known.values) - (train_len if hist.grain == "hourly" else settings.history_days)) :
    ]
    peer_cuts = cuts(len(window), settings.backtest_origins, stride, horizon)
    row["peer_model"], peer_bands = peer(window, m, peer_cuts, horizon, steps)
    hourly = (
        {f"rule_{r}": f for r, f in chosen.items()}
        | {"peer": peer_bands["forecast"]}
        | {f"cand_{n}": f for n, f in preds.items()}  # every candidate, ours and the peer's:
        | {f"cand_{n}": f for n, f in peer_bands.pop("candidates").items()}  # hindsight ceiling
    )
    for name, forecast in hourly.items():
        row[name] = np.abs(actual - forecast).mean() / scale
    row["naive"] = np.abs(actual - preds["naive"]).mean() / scale
    for level in ("80", "95"):
        row[f"cov{level}"] = ((actual >= bands[f"lo{level}"]) & (actual <= bands[f"hi{level}"])).mean()
        half = meta[f"q{level}"] * widths(meta["profile"], steps)
        for m in WIDEN:
            row[f"cov{level}_x{m}"] = (np.abs(actual - bands["forecast"]) <= m * half).mean()
        row[f"peer_cov{level}"] = (
            (actual >= peer_bands[f"lo{level}"]) & (actual <= peer_bands[f"hi{level}"])
        ).mean()
    if points is None:  # a daily source: its natural grain is the forecast grain
        row.update(
            {f"native_{k}": row[k] for k in hourly}
            | {"native_naive": row["naive"], "native_cov80": row["cov80"], "native_cov95": row["cov95"]}
            | {f"native_hourlyband_cov{lvl}": row[f"cov{lvl}"] for lvl in ("80", "95")}
        )
    else:
        row.update(
            _native(points, hist, origin, steps, hourly, {k: v for k, v in bands.items() if k != "forecast"})
        )
    return row


def accuracy(data: Path, n_origins: int, dev_groups: set[str], rows_out: Path | None = None) -> dict:
    """NAB series resampled hourly: judged on the next 24 h at the last ``n_origins`` complete
    days after their first week; ds,y daily series: 12 origins 28 days apart, next 28 days.
    Selection and intervals see only the history before each origin (hourly: 12 backtest
    origins 12 hours apart, 24 h each; daily: 8 origins a week apart, 28 days each).
    Series of ``dev_groups`` (folders) are the development split the rule was chosen on."""
    nab, daily_raw = discover(data)
    hourly_settings = ForecastSettings(
        hourly_backtest_horizon=24, hourly_backtest_stride=12, backtest_origins=12
    )
    daily_settings = ForecastSettings()
    rows = []
    for group, raw in nab:
        points = raw.select("timestamp", "value").sort("timestamp")
        for hist in build_histories(resample(raw), "hourly"):
            first = hist.times[0].date() + timedelta(days=8)
            last = hist.times[-1].date() - timedelta(days=1)  # the last complete day judged
            origins = [first + timedelta(days=k) for k in range((last - first).days)][-n_origins:]
            rows += [
                dict(r, group=group)
                for o in origins
                if (r := judge_origin(hist, o, hourly_settings, 24, points))
            ]
    for group, raw in daily_raw:
        for hist in build_histories(resample(raw), "daily"):
            last = hist.times[-1].date()
            rows += [
                dict(r, group=group)
                for k in range(12, 0, -1)
                if (r := judge_origin(hist, last - timedelta(days=28 * k), daily_settings, 28, None))
            ]
    frame = pl.DataFrame(rows, infer_schema_length=None)
    cands = [c for c in frame.columns if c.startswith("native_cand_")]
    frame = frame.with_columns(  # the best candidate at each origin, in hindsight (``ceiling``)
        native_oracle_origin=pl.min_horizontal(cands),
        native_oracle_origin_ours=pl.min_horizontal([c for c in cands if "_sf_" not in c]),
    )
    if rows_out:
        frame.write_parquet(rows_out)
    return report(frame, dev_groups)


def report(rows: pl.DataFrame, dev_groups: set[str]) -> dict:
    """Per-series means over origins, then medians over series (overall, dev and check split)."""
    table = (
        rows.group_by("series", "group")
        .agg(
            pl.col("model").mode().first(),
            pl.col("peer_model").mode().first(),
            pl.len().alias("origins"),
            pl.col(pl.Float64).mean(),
        )
        .sort("group", "series")
    )
    shown = [
        "series",
        "group",
        "origins",
        "model",
        "peer_model",
        "native_rule_shipped",
        "native_naive",
        "native_peer",
        "rule_shipped",
        "naive",
        "peer",
        "cov80",
        "cov95",
        "native_cov80",
        "native_cov95",
        "native_hourlyband_cov80",
        "native_hourlyband_cov95",
        "peer_cov80",
        "peer_cov95",
    ]
    print(table.select(shown).with_columns(pl.col(pl.Float64).round(3)).to_pandas().to_markdown(index=False))
    result = {"series": table.height, "judged_origins": rows.height}
    splits = {
        "all": table,
        "dev": table.filter(pl.col("group").is_in(sorted(dev_groups))),
        "check": table.filter(~pl.col("group").is_in(sorted(dev_groups))),
    }
    print(
        "\nmedian MASE over series (natural grain / forecast grain); ratios to seasonal naive "
        "and to the statsforecast peer"
    )
    for split, part in splits.items():
        if part.height == 0:
            continue
        for rule in [*RULES, "shipped"]:
            for grain, prefix in (("natural", "native_"), ("forecast", "")):
                sel = part[f"{prefix}rule_{rule}"].median()
                naive, pr = part[f"{prefix}naive"].median(), part[f"{prefix}peer"].median()
                print(
                    f"  {split:5} ({part.height:2} series) {rule:16} {grain:8} selected {sel:.3f}"
                    f"  naive {naive:.3f} ({sel / naive:.2f})  peer {pr:.3f} ({sel / pr:.2f})"
                )
                if rule == "shipped":
                    result[f"{split}_{grain}"] = {
                        "series": part.height,
                        "mase_selected": round(sel, 4),
                        "mase_naive": round(naive, 4),
                        "mase_peer": round(pr, 4),
                        "ratio_naive": round(sel / naive, 4),
                        "ratio_peer": round(sel / pr, 4),
                    }
    print("  coverage of the shipped bands widened by m (forecast grain), per split:")
    for split, part in splits.items():
        if part.height:
            print(
                f"    {split:5} "
                + "  ".join(
                    f"m={m}: {part[f'cov80_x{m}'].mean():.3f}/{part[f'cov95_x{m}'].mean():.3f}" for m in WIDEN
                )
            )
    for split, part in splits.items():
        if part.height:
            result[f"coverage_forecast_{split}"] = {
                lvl: round(float(part[f"cov{lvl}"].mean()), 4) for lvl in ("80", "95")
            }
    for grain, prefix in (("forecast", ""), ("natural", "native_")):
        result[f"coverage_{grain}"] = {
            lvl: round(float(table[f"{prefix}cov{lvl}"].mean()), 4) for lvl in ("80", "95")
        }
    result["coverage_peer_forecast"] = {
        lvl: round(float(table[f"peer_cov{lvl}"].mean()), 4) for lvl in ("80", "95")
    }
    result["coverage_natural_hourly_band"] = {
        lvl: round(float(table[f"native_hourlyband_cov{lvl}"].mean()), 4) for lvl in ("80", "95")
    }
    for split, part in splits.items():
        if part.height:
            result[f"coverage_natural_{split}"] = {
                lvl: round(float(part[f"native_cov{lvl}"].mean()), 4) for lvl in ("80", "95")
            }
    result["ceiling"] = ceiling(table, splits)
    print(
        f"  interval coverage (nominal 80 / 95 %): forecast grain {result['coverage_forecast']},"
        f" natural grain {result['coverage_natural']}; peer's own {result['coverage_peer_forecast']}"
    )
    return result


def ceiling(table: pl.DataFrame, splits: dict[str, pl.DataFrame]) -> dict:
    """The best selection in hindsight among OUR candidates and the PEER's (AutoETS, AutoTheta,
    MSTL): per series, the candidate with the lowest mean natural-grain MASE over that series'
    judged origins, chosen after seeing them (no per-series choice can do better), and, looser,
    the best candidate at each origin separately (no rule that re-chooses at every origin can do
    better). Their medians against the peer's are ceilings of the selected / peer ratio."""
    cands = [c for c in table.columns if c.startswith("native_cand_")]
    ours = [c for c in cands if not c.startswith("native_cand_sf_")]
    out = {}
    print("\n  hindsight ceiling (natural grain, median over series; ratio to the peer):")
    for split, part in splits.items():
        if not part.height:
            continue
        both = part.select(pl.min_horizontal(cands)).to_series()
        mine = part.select(pl.min_horizontal(ours)).to_series()
        peer_m, sel = part["native_peer"].median(), part["native_rule_shipped"].median()
        per_origin = part["native_oracle_origin"].median()
        per_origin_ours = part["native_oracle_origin_ours"].median()
        out[split] = {
            "oracle_per_origin_ours_and_peer": round(per_origin, 4),
            "oracle_per_origin_ours": round(per_origin_ours, 4),
            "ratio_oracle_per_origin_to_peer": round(per_origin / peer_m, 4),
            "oracle_ours_and_peer": round(both.median(), 4),
            "oracle_ours": round(mine.median(), 4),
            "peer": round(peer_m, 4),
            "selected": round(sel, 4),
            "ratio_oracle_ours_and_peer_to_peer": round(both.median() / peer_m, 4),
            "ratio_oracle_ours_to_peer": round(mine.median() / peer_m, 4),
        }
        print(
            f"    {split:5} best of ours+peer's {both.median():.3f} ({both.median() / peer_m:.2f}),"
            f" best of ours {mine.median():.3f} ({mine.median() / peer_m:.2f}), selected"
            f" {sel:.3f} ({sel / peer_m:.2f}), peer {peer_m:.3f}; best at each origin, ours+peer's"
            f" {per_origin:.3f} ({per_origin / peer_m:.2f}), ours {per_origin_ours:.3f}"
            f" ({per_origin_ours / peer_m:.2f})"
        )
    if splits["check"].height:
        part = splits["check"]
        names = [c.removeprefix("native_cand_") for c in cands]
        picks = [names[int(np.nanargmin(np.array(r, dtype=float)))] for r in part.select(cands).rows()]
        print("    check split, per series (best in hindsight):")
        for r, pick in zip(part.select("series", "native_peer", "native_rule_shipped", *cands).rows(), picks):
            best = min(v for v in r[3:] if v is not None)
            print(f"      {r[0]}: best {pick} {best:.3f}, peer {r[1]:.3f}, selected {r[2]:.3f}")
    return out


def _demo_histories(days: int, n: int, end: date) -> dict[str, list[History]]:
    from resources.demo.metrics import generate

    frames = [resample(generate(end - timedelta(days=i))) for i in range(days)]
    series = pl.concat(frames)
    base = {g: build_histories(series, g) for g in ("daily", "hourly")}
    rng = np.random.default_rng(7)
    out = {"daily": [], "hourly": []}
    for i in range(n):
        proto = base["daily"][i % len(base["daily"])]
        factor, noise = rng.uniform(0.6, 1.4), rng.uniform(0.0, 0.05)
        for grain in ("daily", "hourly"):
            match = [h for h in base[grain] if h.series_id == proto.series_id]
            if not match:
                continue
            h = match[0]
            if grain == "hourly":
                h = History(
                    h.series_id,
                    "hourly",
                    h.metric,
                    h.resource,
                    h.agg,
                    h.unit,
                    h.times[-24 * 35 :],
                    h.values[-24 * 35 :],
                )
            wobble = 1 + rng.normal(0, noise, len(h.values))
            values = h.values * (factor if h.unit != "%" else 1) * wobble
            if h.unit == "%":
                values = np.clip(values * factor, 0, 100)
            resource = f"{h.resource}#{i}"  # a replica is another resource of the same metric
            out[grain].append(
                History(
                    f"{h.metric}/{resource}/{h.agg}",
                    grain,
                    h.metric,
                    resource,
                    h.agg,
                    h.unit,
                    h.times,
                    values,
                )
            )
    return out


def _bench_scenarios(daily_hists: list[History]) -> list:
    """The shipped scenario kinds on the replicated demo: growth of every mobile series, a step
    on every API, the first CPU replica removed."""
    from resources.forecasting.scenarios import parse_scenarios

    cpu = next(h.resource for h in daily_hists if h.metric == "cpu_utilisation")
    return parse_scenarios(
        [
            {"name": "growth", "kind": "growth", "metric": "mobile_banking_sessions", "rate_pct": 8},
            {"name": "step", "kind": "step", "metric": "api_calls", "pct": 25},
            {"name": "remove", "kind": "remove", "metric": "cpu_utilisation", "resource": cpu},
        ]
    )


def _bench_hierarchies(daily_hists: list[History]) -> list:
    """Every summed metric: its resources in clusters of 8 under one platform."""
    from resources.forecasting.hierarchy import Hierarchy

    out = []
    for metric in sorted({h.metric for h in daily_hists if h.agg == "sum"}):
        resources = sorted(h.resource for h in daily_hists if h.metric == metric and h.agg == "sum")
        parents = {r: (f"{metric}-cluster{k // 8}", f"{metric}-platform") for k, r in enumerate(resources)}
        out.append(Hierarchy(metric, "sum", ("resource", "cluster", "platform"), parents))
    return out


def scale(n: int, days: int, workers: int) -> dict:
    """Fit, backtest, choice and forecasts of every series, then the scenarios, the hierarchy
    reconciliation (daily) and the anomaly scores, as the assets do them."""
    from assets.metrics.anomalies import score_all
    from assets.metrics.hierarchy import reconcile_all
    from assets.metrics.scenarios import scenario_rows
    from resources.forecasting.thresholds import load_thresholds

    end = date(2025, 12, 31)
    started = time.perf_counter()
    histories = _demo_histories(days, n, end)
    prepared = time.perf_counter() - started
    settings = ForecastSettings(workers=workers)
    cpu_before = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    counts = {g: len(h) for g, h in histories.items()}
    steps = {}
    with tempfile.TemporaryDirectory() as tmp:
        storage = LakehouseStorage(root=tmp)
        started = time.perf_counter()
        rows, chosen, frames = 0, {}, []
        for grain, hists in histories.items():
            store = ModelStore(storage, grain)
            lstms = LstmCache(store, settings)
            found = models_at(hists, end, grain, settings, store, lstms)
            fitted = time.perf_counter() - started
            by_id = {h.series_id: h for h in hists}
            for meta, _, _ in found:
                chosen[meta["model"]] = chosen.get(meta["model"], 0) + 1
            plan = [(meta["series_id"], end, end) for meta, _, _ in found]
            made = forecast_frames(plan, by_id, store, lstms, workers)  # as capacity_forecasts does
            rows += sum(frame.height for frame in made)
            if grain == "daily":
                frames += made
            print(
                f"  {grain}: {len(hists)} series fit+backtest+choice done at {fitted:.0f} s, "
                f"forecasts done at {time.perf_counter() - started:.0f} s"
            )
        steps["fit_and_forecast_s"] = time.perf_counter() - started
        daily = pl.concat(frames)
        mark = time.perf_counter()
        capped = {h.series_id for h in histories["daily"] if h.unit == "%"}
        scenario_out = scenario_rows(daily, _bench_scenarios(histories["daily"]), load_thresholds(""), capped)
        steps["scenarios_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        by_id = {h.series_id: h for h in histories["daily"]}
        nodes = reconcile_all(_bench_hierarchies(histories["daily"]), [end], daily, by_id, settings)
        steps["reconciliation_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        scored = score_all(histories, settings.anomaly_threshold, workers)
        steps["anomalies_s"] = time.perf_counter() - mark
        wall = time.perf_counter() - started
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    peak_self, peak_child = (u.ru_maxrss / 1024 for u in usage)
    cpu = sum(u.ru_utime + u.ru_stime for u in usage) - cpu_before
    print(
        f"\n(b) {n} series ({counts['daily']} daily + {counts['hourly']} hourly, {days} days of "
        f"history, demo data prepared in {prepared:.0f} s): {wall:.0f} s in all with {workers} "
        f"worker(s): "
        + ", ".join(f"{k} {v:.0f}" for k, v in steps.items())
        + f"; {rows} forecast rows, {len(scenario_out)} scenario rows, {len(nodes)} reconciled "
        f"nodes, {sum(f.height for f in scored)} points scored for anomalies ({cpu:.0f} CPU s, "
        f"load average {os.getloadavg()[0]:.1f} at the end); peak RSS main {peak_self:.0f} "
        f"MiB, largest worker {peak_child:.0f} MiB; chosen {chosen} "
        f"(goal: 1,000 series with scenarios and reconciliation within 300 s on 2 cores)"
    )
    return {
        "series": counts,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "rows": rows,
        "workers": workers,
        "chosen": chosen,
        "steps_s": {k: round(v, 1) for k, v in steps.items()},
        "scenario_rows": len(scenario_out),
        "reconciled_nodes": len(nodes),
    }


def _reliability(part: pl.DataFrame, col: str) -> tuple[pl.DataFrame, float, int]:
    """10-bin reliability table of ``col`` against ``crossed``, the expected calibration error
    (bin-size-weighted |observed - mean p|) and how many bins of 10+ cases sit more than two
    binomial standard errors (+ 0.02) from their mean p."""
    table = (
        part.with_columns(bin=(pl.col(col) * 10).floor().clip(0, 9).cast(pl.Int32))
        .group_by("bin")
        .agg(
            pl.len().alias("n"),
            pl.col(col).mean().alias("mean_p"),
            pl.col("crossed").mean().alias("observed"),
        )
        .sort("bin")
    )
    gap = (table["observed"] - table["mean_p"]).abs()
    ece = float((gap * table["n"]).sum() / table["n"].sum())
    se = (table["mean_p"] * (1 - table["mean_p"]) / table["n"]).sqrt()
    off = int(((gap > 2 * se + 0.02) & (table["n"] >= 10)).sum())
    return table, ece, off


def crossing(days: int, n_origins: int, pairs_out: Path | None = None) -> dict:
    """(c) Calibration of the crossing probabilities on the demo, where the future is known.

    The 46 demo series (daily) are forecast at ``n_origins`` origins 30 days apart (the last one
    90 days before the end, so every horizon is judged); each gets thresholds at 1.05, 1.1, 1.2
    and 1.4 x its last 7-day mean (utilisation: capped at 99 %), and capacity_headroom's
    p_cross_7d/30d/90d is compared with whether any actual day of the window reached the
    threshold: reliability table (10 bins), expected calibration error and Brier score, beside
    the Brier score of the base rate (a constant probability, known in hindsight).

    Held out by series: the recalibration (``headroom.CALIBRATION``) is fit on the development
    half of the series (every other one in id order, every origin) and judged on the other half;
    the table prints the refit coefficients next to the shipped ones."""
    from resources.forecasting.headroom import (
        CALIBRATION,
        METHODS,
        fit_recalibration,
        headroom_row,
        recalibrate,
    )

    end = date(2025, 12, 31)
    hists = _demo_histories(days, 46, end)["daily"]
    settings = ForecastSettings(daily_candidates=["naive", "profile", "ets", "theta"], refit_days=1)
    origins = [end - timedelta(days=90 + 30 * k) for k in range(n_origins - 1, -1, -1)]
    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        store = ModelStore(LakehouseStorage(root=tmp), "daily")
        lstms = LstmCache(store, settings)
        by_id = {h.series_id: h for h in hists}
        for origin in origins:
            for meta, _, _ in models_at(hists, origin, "daily", settings, store, lstms):
                hist = by_id[meta["series_id"]]
                _, members = store.load(meta["series_id"], origin)
                known = hist.cut(origin)
                frame = forecast_frame(meta, members, None, known, origin).sort("horizon_days")
                future = hist.cut(origin + timedelta(days=90)).values[len(known.values) :]
                level = float(np.mean(known.values[-7:]))
                for mult in (1.05, 1.1, 1.2, 1.4):
                    threshold = min(level * mult, 99.0) if hist.unit == "%" else level * mult
                    ident = {"series_id": hist.series_id, "metric": hist.metric, "resource": hist.resource}
                    rows = {m: headroom_row(frame, ident, threshold, m) for m in METHODS}
                    for n in (7, 30, 90):
                        pairs.append(
                            {
                                "series_id": hist.series_id,
                                "horizon": n,
                                "origin": origin,
                                **{m: rows[m][f"p_cross_{n}d"] for m in METHODS},
                                "crossed": float(np.nanmax(future[:n]) >= threshold),
                            }
                        )
    frame = pl.DataFrame(pairs)
    if pairs_out:
        frame.write_parquet(pairs_out)
    ids = sorted(frame["series_id"].unique())
    dev_ids = ids[::2]
    frame = frame.with_columns(
        split=pl.when(pl.col("series_id").is_in(dev_ids)).then(pl.lit("dev")).otherwise(pl.lit("check"))
    )
    dev, check = frame.filter(pl.col("split") == "dev"), frame.filter(pl.col("split") == "check")
    refit = {}
    for n in (7, 30, 90):
        part = dev.filter(pl.col("horizon") == n)
        refit[n] = fit_recalibration(part["blend"].to_numpy(), part["crossed"].to_numpy())
    frame = frame.with_columns(
        refit=pl.struct("blend", "horizon").map_elements(
            lambda r: recalibrate(r["blend"], *refit[r["horizon"]]), return_dtype=pl.Float64
        )
    )
    dev, check = frame.filter(pl.col("split") == "dev"), frame.filter(pl.col("split") == "check")
    print(
        f"\n(c) recalibration fit on the {len(dev_ids)} development series (a, b per horizon): "
        + ", ".join(f"{n} d ({a:.3f}, {b:.3f})" for n, (a, b) in refit.items())
        + "; shipped headroom.CALIBRATION: "
        + ", ".join(f"{n} d {v}" for n, v in CALIBRATION.items())
    )
    methods = [*METHODS, "refit"]
    print("(c) Brier score per method: development series / check series (held out)")
    briers = {}
    for m in methods:
        briers[m] = [float(((part[m] - part["crossed"]) ** 2).mean()) for part in (dev, check)]
        print(f"    {m:12} {briers[m][0]:.4f} / {briers[m][1]:.4f}")
    shipped = ForecastSettings().crossing_method
    result = {"brier_by_method_dev_check": briers, "refit": refit, "shipped_method": shipped}
    for n in (7, 30, 90):
        for name, part in (("all series", frame), ("check series", check)):
            part = part.filter(pl.col("horizon") == n)
            base = part["crossed"].mean()
            brier = float(((part[shipped] - part["crossed"]) ** 2).mean())
            table, ece, off = _reliability(part, shipped)
            _, ece_before, off_before = _reliability(part, "blend")
            print(
                f"\n(c) shipped ({shipped}) p_cross_{n}d, {name}, {part.height} (series, origin, "
                f"threshold): Brier {brier:.4f} (blend {((part['blend'] - part['crossed']) ** 2).mean():.4f};"
                f" base rate {base:.3f}: Brier {base * (1 - base):.4f}); ECE {ece:.3f} (blend"
                f" {ece_before:.3f}); bins off by > 2 SE + 0.02: {off} (blend {off_before})"
            )
            print(table.with_columns(pl.col(pl.Float64).round(3)).to_pandas().to_markdown(index=False))
            result[f"p_cross_{n}d_{name.split()[0]}"] = {
                "pairs": part.height,
                "brier": round(brier, 4),
                "brier_blend": round(float(((part["blend"] - part["crossed"]) ** 2).mean()), 4),
                "brier_base_rate": round(base * (1 - base), 4),
                "ece": round(ece, 4),
                "ece_blend": round(ece_before, 4),
                "bins_off": off,
                "reliability": table.with_columns(pl.col(pl.Float64).round(3)).to_dicts(),
            }
    return result


def dask_overhead(data: Path, n: int, workers: int) -> dict:
    """(d) ``n`` per-series fits in process, then through ``resources.compute`` on a Dask
    ``LocalCluster`` of ``workers`` processes (cluster start-up timed apart)."""
    import dask_overhead as overhead  # bench/dask_overhead.py: this folder is on sys.path

    from resources import compute

    hists = overhead.histories(data, n)
    work = Path(tempfile.mkdtemp(prefix="appops-forecast-dask-"))
    before = os.environ.get("APPOPS_COMPUTE")
    try:
        os.environ["APPOPS_COMPUTE"] = "local"
        local_s, local = overhead.fits(hists, work / "local")
        os.environ.update(APPOPS_COMPUTE="dask", APPOPS_DASK_WORKERS=str(workers))
        started = time.perf_counter()
        compute.parallel_map(abs, [-1])  # start the cluster
        startup = time.perf_counter() - started
        dask_s, remote = overhead.fits(hists, work / "dask")
    finally:
        compute.close()
        os.environ.pop("APPOPS_COMPUTE", None)
        if before is not None:
            os.environ["APPOPS_COMPUTE"] = before
    same = [m["model"] for m, _, _ in local] == [m["model"] for m, _, _ in remote]
    print(
        f"\n(d) Dask against in process, {len(hists)} per-series fits: in process {local_s:.1f} s, "
        f"{workers}-worker LocalCluster {dask_s:.1f} s ({(dask_s - local_s) / local_s:+.0%}), "
        f"cluster start-up {startup:.1f} s, same models: {same}, cores: {os.cpu_count()}"
    )
    return {
        "series": len(hists),
        "workers": workers,
        "in_process_s": round(local_s, 1),
        "dask_s": round(dask_s, 1),
        "overhead": round((dask_s - local_s) / local_s, 3),
        "cluster_startup_s": round(startup, 1),
        "same_models": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--data",
        type=Path,
        default=default_data(),
        help=f"folder laid out like ../shared/data (default ${DATA_ENV} or ../shared/data)",
    )
    parser.add_argument("--origins", type=int, default=10, help="judged origins per NAB series")
    parser.add_argument(
        "--dev", default="realAWSCloudwatch", help="comma-separated folders of the development split"
    )
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument(
        "--crossing", action="store_true", help="(c) calibration of the crossing probabilities on the demo"
    )
    parser.add_argument("--crossing-origins", type=int, default=4)
    parser.add_argument("--rows-out", type=Path, help="(a): write every judged origin's row to this Parquet")
    parser.add_argument("--pairs-out", type=Path, help="(c): write the (p, crossed) pairs to this Parquet")
    parser.add_argument("--dask-series", type=int, default=0, help="(d): Dask overhead on N per-series fits")
    args = parser.parse_args()
    print("command: .venv/bin/python bench/forecast.py " + " ".join(sys.argv[1:]))
    result = {}
    if not args.skip_accuracy:
        result["accuracy"] = accuracy(args.data, args.origins, set(args.dev.split(",")), args.rows_out)
    if args.crossing:
        result["crossing"] = crossing(args.days, args.crossing_origins, args.pairs_out)
    if not args.skip_scale:
        result["scale"] = scale(args.series, args.days, args.workers)
    if args.dask_series:
        result["dask"] = dask_overhead(args.data, args.dask_series, args.workers)
    print("RESULT " + json.dumps(result, default=str))


if __name__ == "__main__":
    main()
