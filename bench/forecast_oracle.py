"""How far below seasonal naive any forecast of ours gets on the real series, in hindsight.

    .venv/bin/python bench/forecast_oracle.py [--data DIR] [--hours 24]   (default as bench/forecast.py)

For each NAB series (hourly, as ``bench/forecast.py`` resamples it) and each origin it judges
(every complete day after the first week, the last 14 at most), every hourly candidate of the
pipeline (seasonal naive on 24 h and 168 h, Theta, ETS, MSTL) and simple smoothers (mean and
median profile of the last 2, 3 or 7 days, the last day's flat mean, two equal-weight
combinations) forecast the next ``--hours`` hours from the 28 days before the origin; each is
judged at the natural grain (5 or 30 min) like ``bench/forecast.py``. The *oracle* takes, per
series, the candidate with the lowest mean MASE over that series' origins: no selection rule
can do better with these candidates. Its median over the series, against the median of
native seasonal naive, bounds the ratio the issue's goal asks to bring to 0.70. Peyton Manning
(daily) is judged as in ``bench/forecast.py``, with a yearly-season MSTL added.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
warnings.filterwarnings("ignore")

import numpy as np
import polars as pl
from bench_data import default_data
from forecast import _nab_raw

from resources.forecasting.candidates import build
from resources.forecasting.history import build_histories, day_end_utc
from resources.forecasting.resample import resample
from resources.forecasting.settings import ForecastSettings

PIPELINE = ("naive", "naive_week", "theta", "ets", "mstl")


def candidates(hist, values: np.ndarray, start: int, hours: int, settings) -> dict[str, np.ndarray]:
    found = {}
    for name in PIPELINE:
        model = build(name, 24, len(values), settings)
        if not isinstance(model, str):
            found[name] = model.fit(hist, values, start).predict(hist, values, start, hours)
    for k in (2, 3, 7):
        if len(values) >= 24 * k:
            days = values[-24 * k :].reshape(k, 24)
            found[f"mean{k}d"] = np.resize(days.mean(0), hours)
            found[f"median{k}d"] = np.resize(np.median(days, 0), hours)
    found["flat_last_day"] = np.full(hours, values[-24:].mean())
    if "theta" in found:
        found["naive+theta"] = (found["naive"] + found["theta"]) / 2
    if "mstl" in found:
        found["mstl+mean3d"] = (found["mstl"] + found["mean3d"]) / 2
    return found


def natural_mase(
    points: pl.DataFrame, per_hour: float, origin, hours: int, forecasts: dict[str, np.ndarray]
) -> dict[str, float]:
    """MASE of each hourly forecast at the native grain, and of native seasonal naive (the
    last native day repeated), scaled by the in-sample one-day difference."""
    end = day_end_utc(origin).replace(tzinfo=ZoneInfo("UTC"))
    lagged = points.join(
        points.with_columns(pl.col("timestamp") + timedelta(days=1)), on="timestamp", suffix="_day_before"
    )
    known = lagged.filter(pl.col("timestamp") < end)
    scale = (known["value"] - known["value_day_before"]).abs().mean()
    judged = points.filter(pl.col("timestamp") >= end, pl.col("timestamp") < end + timedelta(hours=hours))
    hour_grid = pl.datetime_range(end, end + timedelta(hours=hours - 1), "1h", eager=True, time_unit="us")
    judged = judged.with_columns(hour=pl.col("timestamp").dt.truncate("1h"))
    out = {}
    for name, forecast in forecasts.items():
        joined = judged.join(pl.DataFrame({"hour": hour_grid, "f": forecast / per_hour}), on="hour")
        out[name] = (joined["value"] - joined["f"]).abs().mean() / scale
    days_ahead = (judged["timestamp"] - end).dt.total_seconds() // 86400
    repeated = judged.with_columns(source=pl.col("timestamp") - pl.duration(days=days_ahead + 1))
    repeated = repeated.join(points.rename({"timestamp": "source", "value": "naive"}), on="source")
    out["NATIVE SEASONAL NAIVE"] = (repeated["value"] - repeated["naive"]).abs().mean() / scale
    return out


def peyton(data: Path, settings: ForecastSettings) -> dict[str, float]:
    """Peyton Manning (daily): mean MASE over the 12 origins of ``bench/forecast.py`` (28 days
    apart, next 28 days) of the daily pipeline models on their 240-day window, and of MSTL with
    weekly and yearly seasons (ETS trend) on the last 2 or 3 years."""
    from darts.models import StatsForecastModel
    from forecast import _daily_raw
    from statsforecast.models import MSTL
    from statsforecast.models import AutoETS as SfAutoETS

    (hist,) = build_histories(
        resample(_daily_raw(data / "metrics" / "prophet" / "example_wp_log_peyton_manning.csv")), "daily"
    )
    end, found = hist.times[-1].date(), {}
    for origin in [end - timedelta(days=28 * k) for k in range(12, 0, -1)]:
        known = hist.cut(origin)
        actual = hist.cut(origin + timedelta(days=28)).values[len(known.values) :]
        scale = np.abs(known.values[7:] - known.values[:-7]).mean()
        forecasts = {}
        window = known.values[-settings.train_days :]
        start = len(known.values) - len(window)
        for name in ("naive", "ets", "theta", "arima"):
            model = build(name, 7, len(window), settings).fit(known, window, start)
            forecasts[name] = model.predict(known, window, start, 28)
        for years in (2, 3):
            window = known.values[-365 * years :]
            model = StatsForecastModel(MSTL(season_length=[7, 365], trend_forecaster=SfAutoETS(model="ZZN")))
            model.fit(known.to_ts(window, len(known.values) - len(window)))
            forecasts[f"mstl_yearly_{years}y"] = model.predict(28).values()[:, 0]
        forecasts["theta+mstl_yearly_3y"] = (forecasts["theta"] + forecasts["mstl_yearly_3y"]) / 2
        for name, forecast in forecasts.items():
            found.setdefault(name, []).append(np.abs(actual - forecast).mean() / scale)
    return {name: float(np.mean(v)) for name, v in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=default_data())
    parser.add_argument("--hours", type=int, default=24)
    args = parser.parse_args()
    print("command: .venv/bin/python bench/forecast_oracle.py " + " ".join(sys.argv[1:]))
    raw = pl.concat([_nab_raw(p) for p in sorted((args.data / "metrics" / "nab").glob("*/*.csv"))])
    settings = ForecastSettings()
    rows = []
    for hist in build_histories(resample(raw), "hourly"):
        points = raw.filter(pl.col("metric") == hist.metric).select("timestamp", "value").sort("timestamp")
        step = points["timestamp"].diff().dt.total_minutes().median()
        per_hour = 60.0 / step if hist.agg == "sum" else 1.0
        first = hist.times[0].date() + timedelta(days=8)
        last = hist.times[-1].date() - timedelta(days=max(1, args.hours // 24))
        for origin in [first + timedelta(days=k) for k in range((last - first).days + 1)][-14:]:
            known = hist.cut(origin)
            values = known.values[-settings.hourly_history_days * 24 :]
            found = candidates(known, values, len(known.values) - len(values), args.hours, settings)
            for name, mase in natural_mase(points, per_hour, origin, args.hours, found).items():
                rows.append({"series": hist.metric, "candidate": name, "mase": mase})
    table = (
        pl.DataFrame(rows)
        .group_by("series", "candidate")
        .agg(pl.col("mase").mean())
        .pivot(on="candidate", index="series", values="mase")
        .sort("series")
    )
    naive = table["NATIVE SEASONAL NAIVE"]
    best = table.drop("series", "NATIVE SEASONAL NAIVE")
    picked = [best.columns[int(np.nanargmin(np.array(row, dtype=float)))] for row in best.rows()]
    table = table.with_columns(oracle=best.min_horizontal(), oracle_candidate=pl.Series(picked))
    print(
        table.select("series", "oracle_candidate", "oracle", "NATIVE SEASONAL NAIVE")
        .with_columns(pl.col(pl.Float64).round(3))
        .to_pandas()
        .to_markdown(index=False)
    )
    a, b = table["oracle"].median(), naive.median()
    print(
        f"\n{table.height} NAB series, next {args.hours} h at the natural grain: median MASE of "
        f"the best candidate in hindsight {a:.3f}, of native seasonal naive {b:.3f} "
        f"(ratio {a / b:.2f}; the goal asks 0.70 of the selected model)"
    )
    daily = peyton(args.data, settings)
    print(
        "\nPeyton Manning, next 28 days, 12 origins: "
        + ", ".join(f"{name} {mase:.3f}" for name, mase in sorted(daily.items(), key=lambda kv: kv[1]))
    )
    best = min(daily.values())
    oracle = pl.concat([table["oracle"], pl.Series([best])]).median()
    base = pl.concat([naive, pl.Series([daily["naive"]])]).median()
    print(f"with it, {table.height + 1} series: median {oracle:.3f} / {base:.3f} (ratio {oracle / base:.2f})")


if __name__ == "__main__":
    main()
