"""Forecasting benchmark: (a) accuracy on real series, (b) time and memory for 1,000 series.

    .venv/bin/python bench/forecast.py [--data /work/shared/data] [--series 1000] [--workers 2]
                                       [--days 730] [--skip-accuracy] [--skip-scale]

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
"""

from __future__ import annotations

import argparse
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
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from resources.forecasting.engine import LstmCache, models_at  # noqa: E402
from resources.forecasting.history import History, build_histories, day_end_utc  # noqa: E402
from resources.forecasting.outputs import forecast_frame  # noqa: E402
from resources.forecasting.resample import resample  # noqa: E402
from resources.forecasting.settings import ForecastSettings  # noqa: E402
from resources.forecasting.store import ModelStore  # noqa: E402
from resources.storage import LakehouseStorage  # noqa: E402

MEAN_LIKE = ("cpu", "latency")  # NAB series read as utilisation (hourly mean)


def _nab_raw(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, try_parse_dates=True)
    unit = "%" if any(k in path.stem for k in MEAN_LIKE) else "count"
    ts = pl.col("timestamp").dt.replace_time_zone("UTC")
    return frame.select(timestamp=ts, metric=pl.lit(path.stem), resource=pl.lit("nab"),
                        value=pl.col("value").cast(pl.Float64), unit=pl.lit(unit)).with_columns(
        partition_date=pl.col("timestamp").dt.convert_time_zone("Europe/Paris").dt.date())


def _peyton_raw(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, try_parse_dates=True)
    return frame.select(timestamp=pl.col("ds").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
                        metric=pl.lit("peyton_manning_log_views"), resource=pl.lit("wikipedia"),
                        value=pl.col("y"), unit=pl.lit("log")).with_columns(
        partition_date=pl.col("timestamp").dt.date())


def _natural(raw: pl.DataFrame, hist: History, frame: pl.DataFrame, origin: date, steps: int) -> dict:
    """MASE at the source's own grain (5 min, or 30 min for the taxi series): the hourly
    forecast holds for every native point of its hour (divided by the points per hour for a
    summed series); seasonal naive is the native point one day earlier; the scale is the
    in-sample mean absolute one-day difference of the native points before the origin."""
    points = raw.filter(pl.col("metric") == hist.metric).select("timestamp", "value").sort("timestamp")
    step = points["timestamp"].diff().dt.total_minutes().median()
    per_hour = 60.0 / step if hist.agg == "sum" else 1.0
    lagged = points.join(points.with_columns(pl.col("timestamp") + timedelta(days=1)),
                         on="timestamp", suffix="_day_before")
    end = day_end_utc(origin).replace(tzinfo=ZoneInfo("UTC"))
    known = lagged.filter(pl.col("timestamp") < end)
    scale = (known["value"] - known["value_day_before"]).abs().mean()
    hourly = frame.select(hour=pl.col("target_time"), forecast=pl.col("forecast") / per_hour)
    judged = (lagged.filter(pl.col("timestamp") >= end, pl.col("timestamp") < end + timedelta(hours=steps))
              .with_columns(hour=pl.col("timestamp").dt.truncate("1h")).join(hourly, on="hour"))
    return {"mase_native": (judged["value"] - judged["forecast"]).abs().mean() / scale,
            "naive_native": (judged["value"] - judged["value_day_before"]).abs().mean() / scale}


def _judge(hist: History, origins: list[date], settings: ForecastSettings, steps: int,
           lstm_root: Path, raw: pl.DataFrame | None = None) -> list[dict]:
    store = ModelStore(LakehouseStorage(root=str(lstm_root)), hist.grain)
    out = []
    for origin in origins:
        days = steps // 24 if hist.grain == "hourly" else steps
        known, future = hist.cut(origin), hist.cut(origin + timedelta(days=days))
        lstms = LstmCache(store, settings)
        meta, _, _ = models_at([hist], origin, hist.grain, settings, store, lstms)[0]
        _, members = store.load(hist.series_id, origin)
        lstm = LstmCache(store, settings).get(origin) if "lstm" in meta["members"] else None
        frame = forecast_frame(meta, members, lstm, known, origin).head(steps)
        actual = future.values[len(known.values):len(known.values) + steps]
        m = hist.season
        scale = np.abs(known.values[m:] - known.values[:-m]).mean()
        naive = np.resize(known.values[-m:], steps)
        band = {c: frame[c].to_numpy() for c in ("forecast", "lo80", "hi80", "lo95", "hi95")}
        row = {"series": hist.series_id, "model": meta["model"],
               "mase": np.abs(actual - band["forecast"]).mean() / scale,
               "naive": np.abs(actual - naive).mean() / scale,
               "cov80": ((actual >= band["lo80"]) & (actual <= band["hi80"])).mean(),
               "cov95": ((actual >= band["lo95"]) & (actual <= band["hi95"])).mean()}
        if raw is None:  # a daily source: its natural grain is the forecast grain
            row.update(mase_native=row["mase"], naive_native=row["naive"])
        else:
            row.update(_natural(raw, hist, frame, origin, steps))
        out.append(row)
    return out


def accuracy(data: Path) -> None:
    """Hourly NAB series: judged on the next 24 h at every complete day after their first week
    (the last 14 such days at most); Peyton Manning: 12 origins 28 days apart (a year), each
    judged on the next 28 days. Selection (hourly: six backtest origins 12 hours apart) and
    intervals see only the history before each origin."""
    raw = pl.concat([_nab_raw(p) for p in sorted((data / "metrics" / "nab").glob("*/*.csv"))])
    hourly = build_histories(resample(raw), "hourly")
    daily = build_histories(resample(_peyton_raw(
        data / "metrics" / "prophet" / "example_wp_log_peyton_manning.csv")), "daily")
    hourly_settings = ForecastSettings(hourly_backtest_horizon=24, hourly_backtest_stride=12,
                                       backtest_origins=6, refit_days=1)
    daily_settings = ForecastSettings(refit_days=1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for hist in hourly:
            first = hist.times[0].date() + timedelta(days=8)
            last = hist.times[-1].date() - timedelta(days=1)  # the last complete day judged
            origins = [first + timedelta(days=k) for k in range((last - first).days)][-14:]
            rows += _judge(hist, origins, hourly_settings, 24, Path(tmp), raw)
        for hist in daily:
            last = hist.times[-1].date()
            rows += _judge(hist, [last - timedelta(days=28 * k) for k in range(12, 0, -1)],
                           daily_settings, 28, Path(tmp))
    table = pl.DataFrame(rows).group_by("series").agg(
        pl.col("model").mode().first(), pl.len().alias("origins"),
        pl.col("mase_native", "naive_native", "mase", "naive", "cov80", "cov95").mean()).sort("series")
    print(table.with_columns(pl.col(pl.Float64).round(3)).to_pandas().to_markdown(index=False))
    for label, sel, base in (("natural grain (5 or 30 min; daily)", "mase_native", "naive_native"),
                             ("forecast grain (hourly; daily)", "mase", "naive")):
        a, b = table[sel].median(), table[base].median()
        print(f"(a) {table.height} series at the {label}: median MASE selected {a:.3f}, seasonal "
              f"naive {b:.3f} (ratio {a / b:.2f}, goal <= 0.70)")
    print(f"    interval coverage at the forecast grain: 80 % {table['cov80'].mean():.2f}, "
          f"95 % {table['cov95'].mean():.2f}")


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
                h = History(h.series_id, "hourly", h.metric, h.resource, h.agg, h.unit,
                            h.times[-24 * 35:], h.values[-24 * 35:])
            wobble = 1 + rng.normal(0, noise, len(h.values))
            values = h.values * (factor if h.unit != "%" else 1) * wobble
            if h.unit == "%":
                values = np.clip(values * factor, 0, 100)
            out[grain].append(History(f"{h.series_id}#{i}", grain, h.metric, h.resource, h.agg,
                                      h.unit, h.times, values))
    return out


def scale(n: int, days: int, workers: int) -> None:
    end = date(2025, 12, 31)
    started = time.perf_counter()
    histories = _demo_histories(days, n, end)
    prepared = time.perf_counter() - started
    settings = ForecastSettings(workers=workers)
    cpu_before = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    counts = {g: len(h) for g, h in histories.items()}
    with tempfile.TemporaryDirectory() as tmp:
        storage = LakehouseStorage(root=tmp)
        started = time.perf_counter()
        rows, chosen = 0, {}
        for grain, hists in histories.items():
            store = ModelStore(storage, grain)
            lstms = LstmCache(store, settings)
            found = models_at(hists, end, grain, settings, store, lstms)
            fitted = time.perf_counter() - started
            by_id = {h.series_id: h for h in hists}
            for meta, _, _ in found:
                chosen[meta["model"]] = chosen.get(meta["model"], 0) + 1
                _, members = store.load(meta["series_id"], end)
                lstm = lstms.get(end) if "lstm" in meta["members"] else None
                rows += forecast_frame(meta, members, lstm, by_id[meta["series_id"]].cut(end), end).height
            print(f"  {grain}: {len(hists)} series fit+backtest+choice done at {fitted:.0f} s, "
                  f"forecasts done at {time.perf_counter() - started:.0f} s")
        wall = time.perf_counter() - started
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    peak_self, peak_child = (u.ru_maxrss / 1024 for u in usage)
    cpu = sum(u.ru_utime + u.ru_stime for u in usage) - cpu_before
    print(f"\n(b) {n} series ({counts['daily']} daily + {counts['hourly']} hourly, {days} days of "
          f"history, demo data prepared in {prepared:.0f} s): {wall:.0f} s for fit, backtest, "
          f"choice and {rows} forecast rows with {workers} worker(s) ({cpu:.0f} CPU s, "
          f"load average {os.getloadavg()[0]:.1f} at the end); peak RSS main "
          f"{peak_self:.0f} MiB, largest worker {peak_child:.0f} MiB; chosen {chosen} "
          f"(goal: 1,000 series within 300 s on 2 cores)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    print("command: .venv/bin/python bench/forecast.py " + " ".join(sys.argv[1:]))
    if not args.skip_accuracy:
        accuracy(args.data)
    if not args.skip_scale:
        scale(args.series, args.days, args.workers)


if __name__ == "__main__":
    main()
