"""Drift asset checks: the last day of a run against the days before it, with Evidently 0.7.

``build_drift_check`` is the one factory that gives a daily-partitioned asset (raw or ML) its
non-blocking ``drift`` check. Current = the last day of the run's partition range; reference =
the ``reference_days`` days before it that exist in the lake (at least ``MIN_REFERENCE_DAYS``,
otherwise the check passes and says so). Each side is sampled down to ``max_rows`` rows with a
fixed seed. Evidently's ``DataDriftPreset`` picks the test per column (KS / Wasserstein for
numbers, chi-square / Jensen-Shannon for categories, a TF-IDF domain classifier for text: all
local, no model download); its HTML report is written under ``reports/drift/<asset>/<day>.html``.
Columns that are absent or all-null on either side are skipped (Evidently raises on them).

Below ``min_rows`` rows on either side the statistical tests flag ordinary noise (a Monday of
57 tickets against four weeks of 1,264): the check then passes and says "not enough rows",
with the counts in its metadata. Text columns reach Evidently with every word replaced by a
keyed hash (the key derives from the compared texts themselves, so reruns give the same report
and nothing outside the data can reverse it): the domain classifier sees the same vocabulary
structure, but the report's word tables hold no raw token of the source.
"""

import hashlib
import hmac
import inspect
import json
import os
import re
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import dagster as dg
import polars as pl

from resources.calendar import context_days
from resources.compute import DRIFT_CHECK_PRIORITY, PRIORITY_TAG
from resources.storage import LakehouseStorage, is_local

os.environ.setdefault("DO_NOT_TRACK", "1")  # Evidently telemetry (only its UI sends any)
os.environ.setdefault("EVIDENTLY_DISABLE_TELEMETRY", "1")

MIN_REFERENCE_DAYS = 7
MIN_ROWS = 100
_COLUMN_GROUPS = ("numeric", "categorical", "text")
_WORD = re.compile(r"\w+")
SEED = 42
REPORT_RETENTION_DAYS = 90  # a report is ~4 MB (Evidently inlines its JS): keep a quarter


def _prune_reports(folder, day: date, keep_days: int) -> None:
    """Remove this asset's reports older than ``keep_days`` before ``day``."""
    oldest = day - timedelta(days=keep_days)
    for report in folder.glob("*.html"):
        try:
            if date.fromisoformat(report.stem) < oldest:
                report.unlink()
        except ValueError:
            continue


def _sample(frame: pl.DataFrame, max_rows: int) -> pl.DataFrame:
    return frame.sample(n=max_rows, seed=SEED) if frame.height > max_rows else frame


def _usable(column: str, *frames: pl.DataFrame) -> str | None:
    """Why ``column`` cannot be compared, or None."""
    for side, frame in zip(("current", "reference"), frames):
        if column not in frame.columns:
            return f"absent from {side}"
        if frame[column].null_count() == frame.height:
            return f"all null in {side}"
    return None


def mask_tokens(frames: list[pl.DataFrame], text: Sequence[str]) -> list[pl.DataFrame]:
    """The frames with each word of the ``text`` columns replaced by ``w`` + a keyed hash."""
    if not text:
        return frames
    digest = hashlib.sha256()
    for frame in frames:
        for column in text:
            for value in frame[column].drop_nulls().to_list():
                digest.update(str(value).encode("utf-8", "replace") + b"\0")
    key, cache = digest.digest(), {}

    def token(match: re.Match) -> str:
        word = match.group(0).casefold()
        if word not in cache:
            cache[word] = "w" + hmac.new(key, word.encode(), hashlib.sha256).hexdigest()[:10]
        return cache[word]

    def masked(value: str | None) -> str | None:
        return None if value is None else _WORD.sub(token, str(value))

    return [
        frame.with_columns(
            pl.Series(c, [masked(v) for v in frame[c].to_list()], dtype=pl.String) for c in text
        )
        for frame in frames
    ]


def _prepare(frame: pl.DataFrame, numeric, categorical, text):
    return frame.select(
        *(pl.col(c).cast(pl.Float64) for c in numeric),
        *(pl.col(c).cast(pl.String) for c in [*categorical, *text]),
    ).to_pandas()


def _run_report(current: pl.DataFrame, reference: pl.DataFrame, numeric, categorical, text, threshold: float):
    from evidently import DataDefinition, Dataset, Report  # heavy imports: only when run
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(
        numerical_columns=list(numeric), categorical_columns=list(categorical), text_columns=list(text)
    )
    datasets = [
        Dataset.from_pandas(_prepare(frame, numeric, categorical, text), data_definition=definition)
        for frame in (current, reference)
    ]
    report = Report([DataDriftPreset(drift_share=threshold)], include_tests=True)
    return report.run(*datasets)  # current first, then reference


def _read_results(snapshot) -> tuple[float, int, dict[str, dict[str, Any]]]:
    """(drift share, columns compared, {column: score, method, threshold, drifted})."""
    found = json.loads(snapshot.json())
    share, columns = 0.0, {}
    for metric in found["metrics"]:
        config = metric["config"]
        if config["type"].endswith(":DriftedColumnsCount"):
            share = float(metric["value"]["share"])
        elif config["type"].endswith(":ValueDrift"):
            columns[config["column"]] = {
                "score": round(float(metric["value"]), 4),
                "method": config.get("method"),
                "threshold": config.get("threshold"),
                "drifted": False,
            }
    for test in found["tests"]:
        column = test.get("metric_config", {}).get("params", {}).get("column")
        if column in columns and test["status"] == "FAIL":
            columns[column]["drifted"] = True
    return share, len(columns), columns


def evaluate_drift(
    storage: LakehouseStorage,
    asset: str,
    day: date,
    numeric: Sequence[str] = (),
    categorical: Sequence[str] = (),
    text: Sequence[str] = (),
    reference_days: int = 28,
    max_rows: int = 20_000,
    drift_share_threshold: float = 0.5,
    min_rows: int = MIN_ROWS,
) -> dg.AssetCheckResult:
    """The check's logic without a Dagster context (also usable from a notebook)."""
    base = {"current_day": day.isoformat()}

    def skip(reason: str, **metadata) -> dg.AssetCheckResult:
        return dg.AssetCheckResult(
            passed=True,
            severity=dg.AssetCheckSeverity.WARN,
            description=reason,
            metadata={**base, "reason": reason, **metadata},
        )

    current = storage.read_days(asset, [day], strict=False)
    if current is None or current.height == 0:
        return skip(f"no rows for the current day {day}: nothing to compare")
    wanted = [day - timedelta(days=i) for i in range(reference_days, 0, -1)]
    present = [d for d in wanted if storage.lake_file(asset, d).exists()]
    if len(present) < MIN_REFERENCE_DAYS:
        return skip(
            f"not enough reference: {len(present)} day(s) in the lake before {day}, "
            f"{MIN_REFERENCE_DAYS} needed",
            reference_days_used=len(present),
        )
    reference = storage.read_days(asset, present, strict=False)
    if min(current.height, reference.height) < min_rows:
        return skip(
            f"not enough rows: {current.height} on {day} and {reference.height} in the "
            f"{len(present)} reference day(s); {min_rows} needed on each side",
            current_rows=current.height,
            reference_rows=reference.height,
            min_rows=min_rows,
            reference_days_used=len(present),
        )
    current, reference = _sample(current, max_rows), _sample(reference, max_rows)
    skipped = {c: why for c in [*numeric, *categorical, *text] if (why := _usable(c, current, reference))}
    keep = [[c for c in group if c not in skipped] for group in (numeric, categorical, text)]
    base.update(
        reference_days_used=len(present),
        current_rows=current.height,
        reference_rows=reference.height,
        skipped_columns=dg.MetadataValue.json(skipped),
    )
    if not any(keep):
        return skip("no column to compare", n_columns=0)

    current, reference = mask_tokens([current, reference], keep[2])
    snapshot = _run_report(current, reference, *keep, drift_share_threshold)
    share, n_columns, columns = _read_results(snapshot)
    path = storage.reports("drift", asset, f"{day.isoformat()}.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(snapshot.get_html_str(as_iframe=False), encoding="utf-8")  # a rerun replaces it
    _prune_reports(path.parent, day, REPORT_RETENTION_DAYS)
    drifted = [c for c, found in columns.items() if found["drifted"]]
    local = is_local(path)
    return dg.AssetCheckResult(
        passed=share < drift_share_threshold,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(drifted)}/{n_columns} column(s) drifted on {day} "
        f"(share {share:.2f}, threshold {drift_share_threshold})"
        + (f": {', '.join(drifted)}" if drifted else ""),
        metadata={
            **base,
            "drift_share": float(share),
            "n_columns": n_columns,
            "drifted_columns": dg.MetadataValue.json(drifted),
            "column_scores": dg.MetadataValue.json(columns),
            "report": dg.MetadataValue.path(str(path)) if local else dg.MetadataValue.url(str(path)),
        },
    )


def build_drift_check(
    asset: str, partitions_def: dg.PartitionsDefinition, **options: Any
) -> dg.AssetChecksDefinition:
    """A partitioned, non-blocking (WARN) ``drift`` check of ``asset``: ``evaluate_drift`` of the
    run's last day, with ``options`` (its keyword arguments: columns, ``reference_days``,
    ``max_rows``, ``drift_share_threshold``, ``min_rows``; its defaults otherwise).

    Passes while the share of drifted columns stays under ``drift_share_threshold``, and with
    "not enough rows" when either side has fewer than ``min_rows`` rows.
    """
    bound = inspect.signature(evaluate_drift).bind(None, asset, None, **options)  # a wrong name fails here
    bound.apply_defaults()
    reference_days = bound.arguments["reference_days"]
    options = {k: tuple(v) if k in _COLUMN_GROUPS else v for k, v in options.items()}

    @dg.asset_check(
        asset=asset,
        name="drift",
        partitions_def=partitions_def,
        blocking=False,
        description=f"Evidently drift of the last day against the {reference_days} days before it",
        op_tags={PRIORITY_TAG: str(DRIFT_CHECK_PRIORITY)},  # nothing waits on a drift check
    )
    def drift(context: dg.AssetCheckExecutionContext, storage: LakehouseStorage) -> dg.AssetCheckResult:
        day = context_days(context)[-1]
        return evaluate_drift(storage, asset, day, **options)

    return drift
