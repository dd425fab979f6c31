"""Demo time series (RAW_METRICS): CPU of clusters, SFTN volumes, API calls, business volumes.

Each value is a closed-form function of its instant (trend, yearly / weekly / daily seasonality,
French public holidays, month-end peaks) times seeded noise; a few percent of points are missing
and, on rare days, one series has an outage of a few hours (zeros or a gap).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from resources.demo.calendar_fr import (
    day_grid,
    in_lockdown,
    is_month_end_peak,
    utc_series,
    weekday_index,
    yearly_factor,
    years_since_epoch,
)
from resources.demo.common import rng_for
from resources.schemas import RAW_METRICS

STEP_MINUTES = {"5min": 5, "15min": 15, "1h": 60, "1d": 1440}

# Daily shapes: (centre hour, width, height) bumps on top of a floor.
PROFILES: dict[str, tuple[float, tuple[tuple[float, float, float], ...]]] = {
    "office": (0.08, ((10.5, 1.6, 1.0), (15.0, 2.0, 0.85))),
    "mobile": (0.05, ((8.2, 1.0, 0.6), (12.8, 1.2, 0.8), (20.0, 2.0, 1.0))),
    "batch": (0.06, ((1.8, 1.6, 1.0), (23.0, 0.8, 0.45), (6.5, 0.7, 0.3))),
    "mixed": (0.10, ((10.5, 2.0, 0.7), (15.0, 2.0, 0.6), (2.0, 1.5, 0.8))),
}

MOBILE_WEEK = (1.03, 1.0, 1.0, 1.0, 1.06, 0.86, 0.78)
OFFICE_WEEK = (1.04, 1.0, 1.0, 0.99, 0.95, 0.28, 0.14)
BATCH_WEEK = (1.0, 1.0, 1.0, 1.0, 1.05, 0.35, 0.2)


@dataclass(frozen=True)
class SeriesSpec:
    """One series: public identity (metric, resource, unit, resolution, since) + shape knobs."""

    metric: str
    resource: str
    unit: str
    resolution: str
    since: date | None = None
    level: float = 1.0  # CPU: base %; volumes: weekday daily total at the epoch
    growth: float = 0.0  # CPU: points per year; volumes: compound yearly rate
    amplitude: float = 0.0  # CPU only: % added at the daily peak of a full-load day
    profile: str = "office"
    weekly: tuple[float, ...] = OFFICE_WEEK
    august: float = 0.1
    december: float = 0.05
    month_end: float = 0.0
    lockdown: float = 0.0
    noise: float = 0.08


def _cpu(resource: str, profile: str, level: float, amp: float, growth: float) -> SeriesSpec:
    weekly = (1, 1, 1, 1, 1, 0.8, 0.7) if profile == "batch" else (1, 1, 1, 1, 0.95, 0.45, 0.35)
    return SeriesSpec(
        "cpu_utilisation",
        resource,
        "%",
        "5min",
        level=level,
        amplitude=amp,
        growth=growth,
        profile=profile,
        weekly=weekly,
        august=0.15,
        december=0.05,
    )


_CPU = [_cpu(f"CLU-PAR-0{i}", "mobile", 16 + 2 * i, 42, 2.0) for i in range(1, 5)]
_CPU += [_cpu(f"CLU-PAR-0{i}", "office", 12 + i, 50, 1.5) for i in (5, 6)]
_CPU += [_cpu(f"CLU-PAR-0{i}", "batch", 8 + i, 68, 1.8) for i in (7, 8)]
_CPU += [_cpu(f"CLU-LYO-0{i}", "mixed", 24 + 3 * i, 38, 2.5) for i in (1, 2)]
_CPU += [_cpu(f"CLU-LYO-0{i}", "office", 10 + i, 40, 1.2) for i in (3, 4)]

_SFTN = [
    SeriesSpec(
        "sftn_transfer_volume",
        f"SFTN-{p}",
        "GB",
        "1h",
        level=gb,
        growth=0.15,
        profile="batch",
        weekly=BATCH_WEEK,
        august=0.12,
        december=0.1,
        month_end=0.6,
        noise=0.15,
    )
    for p, gb in (
        ("BDF", 40),
        ("STET", 120),
        ("SWIFT", 15),
        ("EBICS", 60),
        ("DGFIP", 8),
        ("URSSAF", 6),
        ("FILIALES", 35),
        ("EDITIQUE", 80),
    )
]

_API = [
    SeriesSpec(
        "api_calls",
        f"api-{name}",
        "calls",
        "15min",
        since=since,
        level=calls,
        growth=growth,
        profile=prof,
        weekly=MOBILE_WEEK if prof == "mobile" else OFFICE_WEEK,
        august=0.06,
        december=0.05,
        month_end=0.08,
        lockdown=0.2,
        noise=0.06,
    )
    for name, calls, growth, prof, since in (
        ("comptes", 9e6, 0.18, "mobile", None),
        ("authentification", 6e6, 0.2, "mobile", None),
        ("virements", 1.2e6, 0.15, "mobile", None),
        ("cartes", 2e6, 0.15, "mobile", None),
        ("beneficiaires", 6e5, 0.12, "mobile", None),
        ("credits", 2.5e5, 0.1, "office", None),
        ("epargne", 5e5, 0.1, "mobile", None),
        ("documents", 4e5, 0.2, "office", None),
        ("notifications", 4e6, 0.25, "mobile", None),
        ("fraude-scoring", 3e6, 0.2, "mobile", None),
        ("open-banking-dsp2", 2e6, 0.3, "mobile", date(2019, 9, 14)),
        ("paiement-instantane", 8e5, 0.35, "mobile", date(2020, 7, 1)),
    )
]

_SESSIONS = [
    SeriesSpec(
        "mobile_banking_sessions",
        region,
        "sessions",
        "1d",
        level=n,
        growth=0.12,
        weekly=MOBILE_WEEK,
        august=0.08,
        december=0.06,
        month_end=0.1,
        lockdown=0.25,
        noise=0.03,
    )
    for region, n in (
        ("IDF", 4.2e5),
        ("AURA", 2.1e5),
        ("PACA", 1.5e5),
        ("OCC", 1.4e5),
        ("NAQ", 1.4e5),
        ("HDF", 1.4e5),
        ("GES", 1.3e5),
        ("BRE", 8e4),
    )
]

_PAYMENTS = [
    SeriesSpec(
        "payments",
        channel,
        "transactions",
        "1d",
        since=since,
        level=n,
        growth=growth,
        weekly=weekly,
        august=0.1,
        december=dec,
        month_end=me,
        lockdown=lock,
        noise=0.03,
    )
    for channel, n, growth, weekly, dec, me, lock, since in (
        ("carte", 1.5e6, 0.06, (1.0, 1.02, 1.04, 1.08, 1.22, 1.3, 0.45), 0.2, 0.05, -0.3, None),
        ("virement_sepa", 4.2e5, 0.03, (1.15, 1.0, 0.98, 0.97, 1.05, 0.08, 0.04), 0.05, 0.4, -0.1, None),
        ("prelevement", 3.8e5, 0.02, (1.1, 1.0, 1.0, 1.0, 1.02, 0.05, 0.03), 0.02, 0.35, 0.0, None),
        (
            "virement_instantane",
            6e4,
            0.3,
            (1.05, 1.0, 1.0, 1.0, 1.1, 0.7, 0.5),
            0.08,
            0.2,
            0.1,
            date(2018, 7, 2),
        ),
        ("cheque", 9e4, -0.09, (1.2, 1.0, 1.0, 1.0, 0.95, 0.3, 0.02), 0.1, 0.15, -0.4, None),
        (
            "paiement_mobile",
            4e4,
            0.45,
            (1.0, 1.0, 1.02, 1.05, 1.2, 1.3, 0.5),
            0.22,
            0.05,
            0.1,
            date(2018, 3, 1),
        ),
    )
]

SERIES: tuple[SeriesSpec, ...] = tuple(_CPU + _SFTN + _API + _SESSIONS + _PAYMENTS)
"""Every series the demo produces (a series exists from ``since`` on, or always when None)."""


def _shape(profile: str, hours: np.ndarray) -> np.ndarray:
    floor, bumps = PROFILES[profile]
    out = np.full(hours.shape, floor)
    for centre, width, height in bumps:
        dist = np.abs(hours - centre)
        dist = np.minimum(dist, 24 - dist)
        out += height * np.exp(-0.5 * (dist / width) ** 2)
    return out


_FULL_DAY = np.arange(0, 24, 1 / 60)
_MEAN = {name: float(_shape(name, _FULL_DAY).mean()) for name in PROFILES}
_PEAK = {name: float(_shape(name, _FULL_DAY).max()) for name in PROFILES}


def _day_load(spec: SeriesSpec, day: date) -> float:
    """Closed-form daily multiplier: weekday/holiday, yearly, month end, lockdown."""
    load = spec.weekly[weekday_index(day)] * yearly_factor(day, spec.august, spec.december)
    if spec.month_end and is_month_end_peak(day):
        load *= 1 + spec.month_end
    if spec.lockdown and in_lockdown(day):
        load *= 1 + spec.lockdown
    return load


def _values(spec: SeriesSpec, day: date, hours: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    years = years_since_epoch(day)
    load = _day_load(spec, day) * rng.normal(1.0, 0.03)
    if spec.unit == "%":
        shape = _shape(spec.profile, hours) / _PEAK[spec.profile]
        cpu = spec.level + spec.growth * years + spec.amplitude * shape * load
        cpu = cpu + rng.normal(0, 2.5, hours.shape)
        spikes = rng.random(hours.shape) < 0.003
        cpu = cpu + spikes * rng.uniform(20, 50, hours.shape)
        return np.round(np.clip(cpu, 0, 100), 2)
    trend = spec.level * (1 + spec.growth) ** years
    if spec.since is not None:  # adoption ramp of a newer service
        trend *= 1 - np.exp(-((day - spec.since).days + 1) / 120)
    steps_per_day = 1440 / STEP_MINUTES[spec.resolution]
    if spec.resolution == "1d":
        mean = np.full(hours.shape, trend * load)
    else:
        mean = trend * load * _shape(spec.profile, hours) / _MEAN[spec.profile] / steps_per_day
    noisy = mean * rng.lognormal(-0.5 * spec.noise**2, spec.noise, hours.shape)
    return np.round(noisy, 3) if spec.unit == "GB" else np.round(noisy)


def generate(day: date) -> pl.DataFrame:
    """All series of ``day`` in RAW_METRICS schema (with ``partition_date``)."""
    grids = {
        res: day_grid(day, step) if step < 1440 else (day_grid(day, 60)[0][:1], np.zeros(1))
        for res, step in STEP_MINUTES.items()
    }
    outage_rng = rng_for("metrics", day.isoformat(), "outage")
    outage = None
    if outage_rng.random() < 0.05:  # rare day: one sub-daily series goes dark for a few hours
        candidates = [i for i, s in enumerate(SERIES) if s.resolution != "1d" and s.since is None]
        start_h = outage_rng.uniform(0, 20)
        outage = (
            candidates[outage_rng.integers(len(candidates))],
            start_h,
            start_h + outage_rng.uniform(1, 4),
            outage_rng.random() < 0.5,
        )
    ts_parts, value_parts, idx_parts = [], [], []
    for i, spec in enumerate(SERIES):
        if spec.since is not None and day < spec.since:
            continue
        utc_us, hours = grids[spec.resolution]
        rng = rng_for("metrics", day.isoformat(), spec.metric, spec.resource)
        values = _values(spec, day, hours, rng)
        keep = rng.random(hours.shape) >= (0.02 if spec.resolution != "1d" else 0.005)
        if outage is not None and outage[0] == i:
            dark = (hours >= outage[1]) & (hours < outage[2])
            if outage[3]:
                values = np.where(dark, 0.0, values)
            else:
                keep &= ~dark
        ts_parts.append(utc_us[keep])
        value_parts.append(values[keep])
        idx_parts.append(np.full(int(keep.sum()), i, dtype=np.int32))
    idx = pl.Series(np.concatenate(idx_parts))
    lookup = {
        field: pl.Series([getattr(s, field) for s in SERIES], dtype=pl.String())
        for field in ("metric", "resource", "unit")
    }
    frame = pl.DataFrame(
        {
            "timestamp": utc_series("timestamp", np.concatenate(ts_parts)),
            "metric": lookup["metric"].gather(idx),
            "resource": lookup["resource"].gather(idx),
            "value": pl.Series(np.concatenate(value_parts), dtype=pl.Float64()),
            "unit": lookup["unit"].gather(idx),
        }
    ).with_columns(partition_date=pl.lit(day, dtype=pl.Date()))
    return frame.select(RAW_METRICS.with_partition.keys()).cast(RAW_METRICS.with_partition)
