"""Installed software (discovery scans) and the endoflife.date catalog."""

from __future__ import annotations

import logging
from datetime import date
from functools import lru_cache

import polars as pl
from upath import UPath

from resources.calendar import days_in
from resources.schemas import RAW_EOL_CATALOG, RAW_SOFTWARE_INVENTORY, LakeSchema
from resources.sources.base import RawSource, SourceBatch
from resources.sources.landing import DemoSource, LandingSource
from resources.sources.parsing import LandingFileError, empty_rejects
from resources.storage import store_path


class InventorySource(RawSource):
    @property
    def schema(self) -> LakeSchema:
        return RAW_SOFTWARE_INVENTORY


class DemoInventorySource(DemoSource, InventorySource):
    """A daily scan of ~20 applications' hosts with versions of real catalog cycles."""

    def generate(self, day: date) -> pl.DataFrame:
        from resources.demo import obsolescence

        return obsolescence.generate_inventory(day)


class FileInventorySource(LandingSource, InventorySource):
    """Discovery exports ``application, host, environment, product, version, discovered_at``."""


@lru_cache(maxsize=8)
def _parse_catalog(folder: str, fingerprint: tuple) -> pl.DataFrame:
    from resources.sources import eol_catalog

    path = store_path(folder)
    frames = []
    if any(p.suffix == ".md" for p in path.iterdir()):
        frames.append(eol_catalog.parse_products_dir(path))
    for json_file in sorted(path.glob("*.json")):
        frames.append(eol_catalog.parse_api_json(json_file))
    if not frames:
        raise LandingFileError(f"{folder}: no endoflife.date products/*.md or API *.json file")
    frame = pl.concat(frames, how="diagonal_relaxed").select(list(RAW_EOL_CATALOG.columns))
    return frame.unique(subset=["product", "release_cycle"], keep="last", maintain_order=True)


class EolCatalogSource(RawSource):
    """endoflife.date data: a folder of its ``products/*.md`` files or of its API JSON output.

    The catalog is a reference snapshot: every day of a range takes the folder's content.
    """

    @property
    def schema(self) -> LakeSchema:
        return RAW_EOL_CATALOG

    @property
    def catalog_folder(self) -> UPath:
        raise NotImplementedError

    def read(self, start: date, end: date, log: logging.Logger | None = None) -> SourceBatch:
        folder = self.catalog_folder
        if not folder.exists():
            raise LandingFileError(f"{folder}: catalog folder does not exist")
        files = sorted((p.name, p.stat().st_size) for p in folder.iterdir() if p.is_file())
        catalog = _parse_catalog(str(folder), tuple(files))
        days = days_in(start, end)
        rows = (
            pl.concat([catalog.with_columns(pl.lit(d).alias("partition_date")) for d in days])
            if days
            else self.schema.empty()
        )
        return SourceBatch(rows=rows, rejects=empty_rejects())


class SnapshotEolCatalogSource(EolCatalogSource):
    """The endoflife.date snapshot shipped in resources/catalog/endoflife (MIT)."""

    @property
    def catalog_folder(self) -> UPath:
        from resources.sources import eol_catalog

        return store_path(eol_catalog.catalog_dir())


class FileEolCatalogSource(EolCatalogSource):
    """A refreshed catalog dropped in landing/obsolescence/eol_catalog/."""

    landing_dir: str

    @property
    def catalog_folder(self) -> UPath:
        return store_path(self.landing_dir)
