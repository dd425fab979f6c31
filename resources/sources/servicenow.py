"""The real incident source: ServiceNow's Table API (``incident`` table)."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, date, datetime

import polars as pl
from pydantic import Field
from upath import UPath

from resources.calendar import PARIS, day_bounds_utc
from resources.schemas import RAW_INCIDENTS, LakeSchema
from resources.sources.base import RawSource, SourceBatch
from resources.sources.parsing import coerce_frame
from resources.sources.servicenow_client import ServiceNowClient, parse_sn_time, to_sn_time
from resources.storage import store_path, write_text_atomic

WATERMARK_FILE = "servicenow_incident_watermark.json"
_CHOICE_FIELDS = ("priority", "impact", "urgency")  # "3" or "3 - Moderate"
_LEADING_INT = re.compile(r"^\s*(\d+)")


def paris_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants of the Europe/Paris day range [start, end) (23/25-hour days included)."""
    return day_bounds_utc(start, end)


def leading_int(value: str | None) -> str | None:
    if value is None:
        return None
    match = _LEADING_INT.match(value)
    return match.group(1) if match else value


def records_frame(records: list[dict[str, str | None]], schema: LakeSchema) -> pl.DataFrame:
    """Records as String columns: every field seen (schema columns first), choice labels cut."""
    names = list(schema.columns)
    for record in records:
        names.extend(k for k in record if k not in names)
    columns = {n: [r.get(n) for r in records] for n in dict.fromkeys(names)}
    for name in _CHOICE_FIELDS:
        columns[name] = [leading_int(v) for v in columns[name]]
    return pl.DataFrame(columns, schema={n: pl.String() for n in columns})


class ServiceNowIncidentSource(RawSource):
    """Incidents updated in a Europe/Paris day range, from ``{instance_url}/api/now/table/incident``.

    A partition is the window of ``sys_updated_on``: rerunning a window returns the same rows
    (as of the instance's current state). Credentials come from the environment in Definitions::

        ServiceNowIncidentSource(instance_url=dg.EnvVar("SERVICENOW_URL"),
                                 username=dg.EnvVar("SERVICENOW_USER"),
                                 password=dg.EnvVar("SERVICENOW_PASSWORD"))
        # or token=dg.EnvVar("SERVICENOW_TOKEN") (OAuth bearer), never both.

    The integration account needs read access to ``incident`` and its time zone set to GMT
    (encoded-query date literals are read in the user's time zone). ``state_dir`` keeps a
    watermark (max ``sys_updated_on`` ingested), used only to detect updated days.
    """

    instance_url: str
    username: str | None = None
    password: str | None = Field(default=None, repr=False, description="basic-auth password")
    token: str | None = Field(default=None, repr=False, description="OAuth bearer token")
    page_size: int = 1000
    max_retries: int = 5
    backoff_seconds: float = 1.0
    timeout_seconds: float = 30.0
    state_dir: str | None = None

    @property
    def schema(self) -> LakeSchema:
        return RAW_INCIDENTS

    def client(self) -> ServiceNowClient:
        return ServiceNowClient(
            self.instance_url,
            username=self.username,
            password=self.password,
            token=self.token,
            table="incident",
            page_size=self.page_size,
            timeout=self.timeout_seconds,
            max_retries=self.max_retries,
            backoff_seconds=self.backoff_seconds,
        )

    def read(self, start: date, end: date, log: logging.Logger | None = None) -> SourceBatch:
        start_utc, end_utc = paris_bounds(start, end)
        client = self.client()
        records = client.fetch_updated(start_utc, end_utc)
        origin = f"{client.url}?sys_updated_on=[{to_sn_time(start_utc)},{to_sn_time(end_utc)})"
        rows, rejects = coerce_frame(
            records_frame(records, self.schema), self.schema, origin, source_timezone="UTC", row_offset=1
        )
        # a reject without a readable sys_updated_on is filed under the window's first day
        rejects = rejects.with_columns(pl.col("partition_date").fill_null(start))
        if log is not None:
            log.info(
                f"ServiceNow incidents {start}..{end} (end excl.): {len(records)} records in "
                f"{client.requests_made} requests, {rows.height} rows, {rejects.height} rejects"
            )
        self._advance_watermark(records)
        if len(records) != rows.height + rejects.height:
            raise AssertionError(
                f"{origin}: {len(records)} records read != {rows.height} rows + {rejects.height} rejects"
            )
        files = {
            origin: {"read": len(records), "accepted": rows.height, "quarantined": rejects.height, "days": {}}
        }
        for day in sorted(set(rows["partition_date"]) | set(rejects["partition_date"])):
            ok = int((rows["partition_date"] == day).sum())
            bad = int((rejects["partition_date"] == day).sum())
            files[origin]["days"][str(day)] = {"read": ok + bad, "accepted": ok, "quarantined": bad}
        return SourceBatch(rows=rows, rejects=rejects, files=files)

    # -- watermark: detection of updated days, never the definition of a partition -------------
    def _watermark_path(self) -> UPath | None:
        return store_path(self.state_dir) / WATERMARK_FILE if self.state_dir else None

    def watermark(self) -> datetime | None:
        """The max ``sys_updated_on`` ingested so far (UTC), None before the first read."""
        path = self._watermark_path()
        if path is None or not path.exists():
            return None
        return parse_sn_time(json.loads(path.read_text())["sys_updated_on"])

    def _advance_watermark(self, records: list[dict[str, str | None]]) -> None:
        path = self._watermark_path()
        seen = []
        for record in records:
            try:
                seen.append(parse_sn_time(record.get("sys_updated_on") or ""))
            except ValueError:
                continue
        if path is None or not seen:
            return
        current = self.watermark()
        newest = max(seen)
        if current is not None and newest <= current:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(
            {"sys_updated_on": to_sn_time(newest), "recorded_at": datetime.now(UTC).isoformat()}
        )
        write_text_atomic(path, payload)

    def has_updates_since(self, ts: datetime) -> list[date]:
        """The Europe/Paris days of the records with ``sys_updated_on > ts``, sorted, distinct."""
        records = self.client().fetch_updated_after(ts, fields=["sys_updated_on"])
        days = set()
        for record in records:
            try:
                days.add(parse_sn_time(record.get("sys_updated_on") or "").astimezone(PARIS).date())
            except ValueError:
                continue
        return sorted(days)
