"""Sensor on landing/docs/: a new or changed document rebuilds the document passages.

Like ``landing_sensor``, the cursor maps each file to the SHA-256 of its content, so an
unchanged file starts nothing. A dated file (``postmortem_2024-05-01.md``) runs from its day to
yesterday (it belongs to every day's corpus from then on, up to a year back at most); an undated
one, or a removed file, runs yesterday.
"""

import hashlib
import json
from datetime import datetime, timedelta

import dagster as dg

from resources.calendar import daily_partitions, first_day, last_complete_day, range_tags
from resources.calendar import now as paris_now
from resources.retrieval.corpus import corpus_files, effective_day
from resources.storage import LakehouseStorage

docs_job = dg.define_asset_job(
    "land_documents",
    selection=dg.AssetSelection.assets("document_chunks").downstream(),
    partitions_def=daily_partitions,
    description="document_chunks and document_index for the days a landed document touches.",
)
MAX_DAYS_BACK = 365


def plan_docs_run(
    storage: LakehouseStorage, cursor: dict[str, str], now: datetime
) -> tuple[dg.RunRequest | None, dict[str, str]]:
    """Pure planning step: at most one run (one range), and the next cursor."""
    last = last_complete_day(now)
    files = {display: path for _, display, path in corpus_files(storage.landing("docs"), None, shipped=False)}
    new_cursor = {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()}
    changed = sorted(n for n in new_cursor if cursor.get(n) != new_cursor[n])
    removed = sorted(set(cursor) - set(new_cursor))
    if not changed and not removed:
        return None, new_cursor
    starts = [effective_day(n) or last for n in changed] + [last for _ in removed]
    start = max(min(starts), first_day(), last - timedelta(days=MAX_DAYS_BACK))
    start = min(start, last)
    stamp = hashlib.sha256(json.dumps(new_cursor, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(
        run_key=f"docs:{start}:{last}:{stamp}",
        job_name=docs_job.name,
        tags={
            **range_tags(start, last),
            "appops/landing_files": ",".join(changed + removed)[:1000],
        },
    ), new_cursor


@dg.sensor(
    jobs=[docs_job],
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Rebuilds the document passages when a file arrives in, changes in or leaves landing/docs/.",
)
def docs_landing_sensor(context: dg.SensorEvaluationContext, storage: LakehouseStorage):
    cursor = json.loads(context.cursor) if context.cursor else {}
    now = paris_now()
    request, new_cursor = plan_docs_run(storage, cursor, now)
    context.update_cursor(json.dumps(new_cursor, sort_keys=True))
    if request is None:
        return dg.SkipReason("no new, changed or removed file in landing/docs/")
    return [request]
