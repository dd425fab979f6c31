"""The one storage root of the lakehouse and the layout under it.

``APPOPS_HOME`` picks the root (a local path or any fsspec URL such as ``s3://bucket/appops``);
the default is the git-ignored ``appops_home/`` folder of the checkout.

DuckDB files (``warehouse.duckdb``, ``serving.duckdb``) are opened by DuckDB, which writes
local files only. On an object-store root they live in a working directory local to the run
(``APPOPS_WORKDIR``, default a folder under the system temporary directory): ``local_copy``
fetches the store's copy there before use, ``publish`` uploads it back after the build. The
store stays the truth: a fresh machine or pod starts from what was published last.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import BinaryIO, Literal, NamedTuple

import dagster as dg
import polars as pl
from upath import UPath

CHECKOUT = Path(__file__).resolve().parent.parent


def default_root() -> str:
    return os.environ.get("APPOPS_HOME") or str(CHECKOUT / "appops_home")


def store_path(url: str | os.PathLike) -> UPath:
    """The one way a root or folder URL becomes a path. On an object store the filesystem keeps
    no directory listings: fsspec shares one filesystem instance per process, and a listing it
    cached (of a folder, or of the parent of a folder not yet written) hides what another
    process, pod, DuckDB or MLflow wrote since (``exists`` says no, a glob finds nothing)."""
    if isinstance(url, UPath):
        return url
    path = UPath(url)
    if is_local(path):
        return path
    return UPath(str(url), **{**path.storage_options, "use_listings_cache": False})


def is_local(path: UPath) -> bool:
    """Whether ``path`` is on the local disk (renames are atomic there, appends exist)."""
    return getattr(path, "protocol", "") in ("", "file", "local")


@contextmanager
def atomic_local(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` when the block ends
    without error (a reader sees the old file or the new one), removed in any case."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: UPath, write: Callable[[BinaryIO], object]) -> None:
    """The one atomic write: ``write(handle)`` fills a temporary file beside ``path`` that is
    then renamed over it; on an object store one PUT (atomic, there is no rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if is_local(path):
        with atomic_local(Path(str(path))) as tmp, tmp.open("wb") as handle:
            write(handle)
    else:
        with path.open("wb") as handle:
            write(handle)


def write_text_atomic(path: UPath, text: str) -> None:
    write_atomic(path, lambda handle: handle.write(text.encode("utf-8")))


def work_dir() -> Path:
    """Where the DuckDB files of object-store roots are worked on (``APPOPS_WORKDIR``)."""
    return Path(os.environ.get("APPOPS_WORKDIR") or Path(tempfile.gettempdir()) / "appops-work")


def _work_file(path: UPath) -> Path:
    """One folder per remote parent URL, so two roots never share a working copy."""
    key = hashlib.sha256(str(path.parent).encode()).hexdigest()[:16]
    return work_dir() / key / path.name


def _stamp(path: UPath) -> str:
    """What identifies the store's version of an object (its info: ETag, size, time)."""
    return str(path.fs.checksum(path.path))


def local_copy(path: UPath) -> Path:
    """A local path DuckDB can open for ``path``: the path itself on a local root; on an object
    store, the working copy, fetched again whenever the store's object changed (another
    process or pod published it) and removed when the store has none."""
    if is_local(path):
        return Path(str(path))
    local = _work_file(path)
    local.parent.mkdir(parents=True, exist_ok=True)
    stamp_file = local.with_name(f".{local.name}.stamp")
    if not path.exists():
        local.unlink(missing_ok=True)
        stamp_file.unlink(missing_ok=True)
        return local
    stamp = _stamp(path)
    if not local.exists() or not stamp_file.exists() or stamp_file.read_text() != stamp:
        with atomic_local(local) as part:
            path.fs.get_file(path.path, str(part))
        stamp_file.write_text(stamp)
    return local


def publish(local: Path, path: UPath) -> None:
    """Upload a finished local file to ``path`` (a PUT replaces the object at once); nothing to
    do on a local root, where ``local`` is ``path``."""
    if is_local(path):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.fs.put_file(str(local), path.path)
    local.with_name(f".{local.name}.stamp").write_text(_stamp(path))


def fsspec_filesystems(path: UPath) -> str:
    """The dbt-duckdb ``filesystems`` setting (JSON) that lets DuckDB read ``path`` through
    fsspec, with no httpfs extension: empty on a local root.

    The filesystem is a fresh instance that keeps no directory listings: fsspec otherwise
    shares one cached instance per process, and a listing cached before the lake's files were
    written (by another run, process or test in the same interpreter) hides them from DuckDB's
    globs, which then read an empty day instead of failing."""
    if is_local(path):
        return "[]"
    options = {k: v for k, v in path.storage_options.items() if isinstance(v, (str, int, float, bool))}
    options.update(skip_instance_cache=True, use_listings_cache=False)
    # booleans as 0/1: the profile reads this with dbt's as_native (a Python literal), where
    # JSON's true/false are not literals and the whole setting would stay a string
    options = {k: int(v) if isinstance(v, bool) else v for k, v in options.items()}
    return json.dumps([{"fs": path.protocol, **options}])


def write_parquet_atomic(frame: pl.DataFrame, path: UPath) -> None:
    """Write under a temporary name, then rename: a reader sees the old file or the new one."""
    write_atomic(path, frame.write_parquet)


def append_text(path: UPath, text: str) -> None:
    """Append to a text file (alert logs); object stores have no append: rewrite the object."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if is_local(path):
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    else:
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(before + text, encoding="utf-8")


def read_parquet(path: UPath) -> pl.DataFrame:
    if is_local(path):
        return pl.read_parquet(str(path))
    with path.open("rb") as handle:
        return pl.read_parquet(handle)


class LakeFile(NamedTuple):
    """One lake file as listed: a reader that keeps these knows when a day was (re)written."""

    name: str
    size: int
    mtime: float  # 0 where the store keeps none
    day: date


class LakehouseStorage(dg.ConfigurableResource):
    """Layout: landing/, lake/, quarantine/, warehouse.duckdb, serving.duckdb, models/, reports/, state/."""

    root: str

    @property
    def base(self) -> UPath:
        return store_path(self.root)

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

    def lake_days(self, asset: str) -> list[date]:
        """The days that have a lake file of ``asset``, oldest first."""
        folder = self.lake_dir(asset)
        names = sorted(p.name for p in folder.glob("*.parquet")) if folder.exists() else []
        return [date.fromisoformat(n.removesuffix(".parquet")) for n in names if not n.startswith("_")]

    def lake_files(self, asset: str) -> tuple[LakeFile, ...]:
        """Name, size, modification time and day of each lake file of ``asset``, oldest first:
        writing a new day or rewriting one changes the tuple."""
        out = []
        for day in self.lake_days(asset):
            path = self.lake_file(asset, day)
            info = path.stat()
            out.append(LakeFile(path.name, info.st_size, getattr(info, "st_mtime", 0), day))
        return tuple(out)

    def lake_stamp(self, asset: str, day: date) -> int:
        """What changes when the lake file of ``asset`` and ``day`` is rewritten (its mtime)."""
        return self.lake_file(asset, day).stat().st_mtime_ns

    def day_frames(self, asset: str, days: list[date]) -> tuple[list[tuple[date, pl.DataFrame]], list[date]]:
        """``(day, frame)`` of the ``days`` that have a lake file, and the days that have none."""
        frames, missing = [], []
        for day in days:
            path = self.lake_file(asset, day)
            if path.exists():
                frames.append((day, read_parquet(path)))
            else:
                missing.append(day)
        return frames, missing

    def read_days(self, asset: str, days: list[date], *, strict: bool) -> pl.DataFrame | None:
        """The lake files of ``days``, concatenated. ``strict``: every day must have its file
        (else FileNotFoundError naming the first missing one); otherwise the days that have
        one, None when none does (a window that reaches before the first partition)."""
        frames, missing = self.day_frames(asset, days)
        if strict and missing:
            raise FileNotFoundError(
                f"{asset}: no lake file for {len(missing)} day(s), first {missing[0]}; "
                f"materialise those partitions of {asset} first"
            )
        if not frames:
            return None
        return pl.concat([frame for _, frame in frames], how="diagonal_relaxed")

    def write_days(
        self,
        asset: str,
        days: list[date],
        frame: pl.DataFrame,
        where: Literal["lake", "quarantine"] = "lake",
    ) -> None:
        """The one partition writer: replace the file of each of ``days`` with that day's rows
        (by ``partition_date``), so a rerun of a range replaces exactly that range. A day
        without rows gets an empty file in the lake (its partition exists, empty) and no file
        in quarantine (nothing was rejected)."""
        file_of = self.lake_file if where == "lake" else self.quarantine_file
        by_day = {key[0]: part for key, part in frame.partition_by("partition_date", as_dict=True).items()}
        for day in days:
            path = file_of(asset, day)
            if day in by_day or where == "lake":
                write_parquet_atomic(by_day.get(day, frame.clear()), path)
            elif path.exists():
                path.unlink()
