"""Sensor on landing/: a new or changed file requests runs for the days it touches.

The cursor maps each file (folder/name) to the SHA-256 of its content, so an unchanged file
starts nothing and a re-dropped file with new content starts its days again. Runs are asked
per contiguous range of days, one run per range (single-run backfill policy).
"""

import hashlib
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
from upath import UPath

from assets.partitions import daily_partitions, first_day, last_complete_day
from resources.config import LANDING_SUBDIRS, SOURCES
from resources.sources.landing import file_effective_date, landing_files
from resources.storage import LakehouseStorage
from sensors.jobs import RAW_ASSET_OF_SOURCE, landing_jobs
from sensors.schedules import RANGE_END_TAG, RANGE_START_TAG

CATALOG_SUFFIXES = (".md", ".json")


def file_hash(path: UPath) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def contiguous_ranges(days: set[date]) -> list[tuple[date, date]]:
    ranges: list[tuple[date, date]] = []
    for day in sorted(days):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def days_touched(source_key: str, folder: UPath, path: UPath, today: date) -> set[date]:
    """Days whose partition a file changes: the days of its rows (and rejected rows), or for
    a referential or catalog the day it takes effect (yesterday when it is undated)."""
    _, _, _, file_cls = SOURCES[source_key]
    source = file_cls(landing_dir=str(folder))
    if source_key == "eol_catalog_source" or not source.schema.time_column:
        effective = file_effective_date(path)
        return {effective if effective and effective < today else today - timedelta(days=1)}
    rows, rejects = source.read_file(path)
    return set(rows["partition_date"].drop_nulls().to_list()) | set(
        rejects["partition_date"].drop_nulls().to_list())


def plan_landing_runs(storage: LakehouseStorage, cursor: dict[str, str], now: datetime,
                      log=None) -> tuple[list[dg.RunRequest], dict[str, str]]:
    """Pure planning step of the sensor: run requests and the next cursor."""
    first, last = first_day(), last_complete_day(now)
    new_cursor = dict(cursor)
    requests: list[dg.RunRequest] = []
    for source_key, subdir in LANDING_SUBDIRS.items():
        folder = storage.landing(subdir)
        suffixes = CATALOG_SUFFIXES if source_key == "eol_catalog_source" else None
        files = landing_files(folder, suffixes) if suffixes else landing_files(folder)
        days: set[date] = set()
        changed: list[str] = []
        for path in files:
            ident, digest = f"{subdir}/{path.name}", file_hash(path)
            if cursor.get(ident) == digest:
                continue
            try:
                touched = days_touched(source_key, folder, path, now.date())
            except ValueError as exc:  # unreadable file: its run would fail the same way
                if log:
                    log.error(f"{path}: {exc}")
                continue
            new_cursor[ident] = digest
            changed.append(f"{path.name}@{digest[:12]}")
            kept = {d for d in touched if first <= d <= last}
            if log and len(kept) < len(touched):
                log.info(f"{path}: {len(touched) - len(kept)} day(s) outside the partitions "
                         f"{first}..{last} ignored")
            days |= kept
        job = landing_jobs[RAW_ASSET_OF_SOURCE[source_key]]
        stamp = hashlib.sha256("|".join(sorted(changed)).encode()).hexdigest()[:16]
        for start, end in contiguous_ranges(days):
            requests.append(dg.RunRequest(
                run_key=f"{subdir}:{start}:{end}:{stamp}", job_name=job.name,
                tags={RANGE_START_TAG: start.isoformat(), RANGE_END_TAG: end.isoformat(),
                      "appops/landing_files": ",".join(changed)[:1000]}))
    return requests, new_cursor


@dg.sensor(jobs=list(landing_jobs.values()), minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.STOPPED,
           description="Runs the days touched by files that arrived or changed in landing/.")
def landing_sensor(context: dg.SensorEvaluationContext, storage: LakehouseStorage):
    cursor = json.loads(context.cursor) if context.cursor else {}
    now = datetime.now(ZoneInfo(daily_partitions.timezone))
    requests, new_cursor = plan_landing_runs(storage, cursor, now, context.log)
    context.update_cursor(json.dumps(new_cursor, sort_keys=True))
    if not requests:
        return dg.SkipReason("no new or changed file in landing/")
    return requests
