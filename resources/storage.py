"""The one storage root of the lakehouse and the layout under it.

``APPOPS_HOME`` picks the root (a local path or any fsspec URL such as ``s3://bucket/appops``);
the default is the git-ignored ``appops_home/`` folder of the checkout.
"""

from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import dagster as dg
import polars as pl
from upath import UPath

CHECKOUT = Path(__file__).resolve().parent.parent


def default_root() -> str:
    return os.environ.get("APPOPS_HOME") or str(CHECKOUT / "appops_home")


def write_parquet_atomic(frame: pl.DataFrame, path: UPath) -> None:
    """Write under a temporary name, then rename: a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.protocol in ("", "file", "local"):
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        frame.write_parquet(str(tmp))
        os.replace(str(tmp), str(path))
    else:  # object stores: a PUT is atomic, there is no rename
        with path.open("wb") as handle:
            frame.write_parquet(handle)


def append_text(path: UPath, text: str) -> None:
    """Append to a text file (alert logs); object stores have no append: rewrite the object."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.protocol in ("", "file", "local"):
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    else:
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(before + text, encoding="utf-8")


def read_parquet(path: UPath) -> pl.DataFrame:
    if path.protocol in ("", "file", "local"):
        return pl.read_parquet(str(path))
    with path.open("rb") as handle:
        return pl.read_parquet(handle)


class LakehouseStorage(dg.ConfigurableResource):
    """Layout: landing/, lake/, quarantine/, warehouse.duckdb, serving.duckdb, models/, reports/, state/."""

    root: str

    @property
    def base(self) -> UPath:
        return UPath(self.root)

    def landing(self, subdir: str) -> UPath:
        return self.base / "landing" / subdir

    def lake_dir(self, asset: str) -> UPath:
        return self.base / "lake" / asset

    def lake_file(self, asset: str, day: date) -> UPath:
        return self.lake_dir(asset) / f"{day.isoformat()}.parquet"

    def quarantine_file(self, asset: str, day: date) -> UPath:
        return self.base / "quarantine" / asset / f"{day.isoformat()}.parquet"

    def reports(self, *parts: str) -> UPath:
        return self.base.joinpath("reports", *parts)

    def models(self, *parts: str) -> UPath:
        return self.base.joinpath("models", *parts)

    def state(self, *parts: str) -> UPath:
        return self.base.joinpath("state", *parts)

    @property
    def warehouse_path(self) -> UPath:
        return self.base / "warehouse.duckdb"

    @property
    def serving_path(self) -> UPath:
        return self.base / "serving.duckdb"

    def read_lake_days(self, asset: str, days: list[date]) -> pl.DataFrame | None:
        """Concatenate the lake files of ``days`` that exist; None when none does."""
        frames = [read_parquet(p) for d in days if (p := self.lake_file(asset, d)).exists()]
        if not frames:
            return None
        return pl.concat(frames, how="diagonal_relaxed")
