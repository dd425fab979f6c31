"""Sensor on landing/: a new or changed file requests runs for the days it touches.

The cursor maps each file (folder/name) to the SHA-256 of its content, so an unchanged file
starts nothing and a re-dropped file with new content starts its days again. Runs are asked
per contiguous range of days, one run per range (single-run backfill policy). The days of a
file come from the landing index (resources/landing_index.py), which the sensor keeps up to date
for the runs. An unreadable file is reported once per content (an error in the sensor's log) and
starts no run: the runs of the days it touches would fail on it; the others are not affected.
"""

import hashlib
import json
from datetime import date, datetime, timedelta

import dagster as dg
from upath import UPath

from resources.calendar import first_day, last_complete_day, range_tags
from resources.calendar import now as paris_now
from resources.config import LANDING_SUBDIRS, RAW_ASSET_OF_SOURCE, SOURCES, file_source
from resources.sources.landing import LandingSource, file_effective_date, landing_files
from resources.storage import LakehouseStorage
from sensors.jobs import landing_jobs

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
        rejects["partition_date"].drop_nulls().to_list()
    )


def plan_landing_runs(
    storage: LakehouseStorage, cursor: dict[str, str], now: datetime, log=None
) -> tuple[list[dg.RunRequest], dict[str, str]]:
    """Pure planning step of the sensor: run requests and the next cursor."""
    first, last = first_day(), last_complete_day(now)
    new_cursor = dict(cursor)
    requests: list[dg.RunRequest] = []
    for source_key, subdir in LANDING_SUBDIRS.items():
        folder = storage.landing(subdir)
        suffixes = CATALOG_SUFFIXES if source_key == "eol_catalog_source" else None
        files = landing_files(folder, suffixes) if suffixes else landing_files(folder)
        source = file_source(SOURCES[source_key][3], storage, subdir)
        indexed = (
            source.landing_index().refresh(files, source.days_of_file)
            if isinstance(source, LandingSource) and source.schema.time_column
            else {}
        )
        days: set[date] = set()
        changed: list[str] = []
        for path in files:
            ident = f"{subdir}/{path.name}"
            entry = indexed.get(path.name)
            digest = entry.sha256 if entry else file_hash(path)
            if cursor.get(ident) == digest:
                continue
            new_cursor[ident] = digest  # an unreadable content is reported once, not each tick
            try:
                if entry and entry.error:
                    raise ValueError(entry.error)
                touched = entry.day_set if entry else days_touched(source_key, folder, path, now.date())
            except ValueError as exc:  # unreadable file: its days' runs would fail on it
                if log:
                    log.error(f"{path} (content {digest[:12]}) cannot be read, no run started for it: {exc}")
                continue
            changed.append(f"{path.name}@{digest[:12]}")
            kept = {d for d in touched if first <= d <= last}
            if log and len(kept) < len(touched):
                log.info(
                    f"{path}: {len(touched) - len(kept)} day(s) outside the partitions "
                    f"{first}..{last} ignored"
                )
            days |= kept
        job = landing_jobs[RAW_ASSET_OF_SOURCE[source_key]]
        stamp = hashlib.sha256("|".join(sorted(changed)).encode()).hexdigest()[:16]
        for start, end in contiguous_ranges(days):
            requests.append(
                dg.RunRequest(
                    run_key=f"{subdir}:{start}:{end}:{stamp}",
                    job_name=job.name,
                    tags={
                        **range_tags(start, end),
                        "appops/landing_files": ",".join(changed)[:1000],
                    },
                )
            )
    return requests, new_cursor


@dg.sensor(
    jobs=list(landing_jobs.values()),
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Runs the days touched by files that arrived or changed in landing/.",
)
def landing_sensor(context: dg.SensorEvaluationContext, storage: LakehouseStorage):
    cursor = json.loads(context.cursor) if context.cursor else {}
    now = paris_now()
    requests, new_cursor = plan_landing_runs(storage, cursor, now, context.log)
    context.update_cursor(json.dumps(new_cursor, sort_keys=True))
    if not requests:
        return dg.SkipReason("no new or changed file in landing/")
    return requests
