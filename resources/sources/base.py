"""What every source resource returns, and the abstract resource they share."""

from __future__ import annotations

import logging
from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import date

import dagster as dg
import polars as pl

from resources.schemas import LakeSchema

REJECT_COLUMNS = {
    "_file": pl.String(),
    "_row": pl.Int64(),
    "_column": pl.String(),
    "_reason": pl.String(),
    "partition_date": pl.Date(),
}


@dataclass
class SourceBatch:
    """Rows of a day range in canonical schema (with ``partition_date``) and the rows rejected.

    ``rejects`` holds the offending record's original fields as text plus ``_file``, ``_row``
    (line number in the file, header = line 1), ``_column``, ``_reason`` and ``partition_date``.
    ``files`` counts per file (or API query) the rows read, accepted and quarantined, in all
    and per day: read = accepted + quarantined. ``unreadable`` names landed files that could
    not be read and touch none of the range's days (they fail the runs of their own days).
    """

    rows: pl.DataFrame
    rejects: pl.DataFrame
    files: dict[str, dict] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)

    @staticmethod
    def empty_rejects() -> pl.DataFrame:
        return pl.DataFrame(schema=REJECT_COLUMNS)


class RawSource(dg.ConfigurableResource):
    """A source of one raw asset. ``read`` returns the rows of every day in [start, end)."""

    @property
    @abstractmethod
    def schema(self) -> LakeSchema: ...

    @abstractmethod
    def read(self, start: date, end: date, log: logging.Logger | None = None) -> SourceBatch: ...
