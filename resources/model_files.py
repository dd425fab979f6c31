"""Model folders on any storage root.

Libraries such as SetFit and darts save to and load from a local path. On a local root they do
so in place; on an object store (``s3://...``) the folder is written to a temporary local
directory and uploaded, or downloaded to one before loading. The marker file (``meta.json``
or ``metrics.json``) goes up last, so a version exists for readers only once it is complete.
"""

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from upath import UPath


def is_local(path: UPath) -> bool:
    return path.protocol in ("", "file", "local")


def upload_dir(local: Path, target: UPath, marker: str | None = None) -> None:
    """Copy every file under ``local`` to ``target``, ``marker`` (a relative name) last."""
    files = sorted(p for p in local.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.relative_to(local).as_posix() == marker)
    for path in files:
        dest = target / path.relative_to(local).as_posix()
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(path.read_bytes())


def download_dir(target: UPath, local: Path) -> None:
    for path in target.rglob("*"):
        if path.is_file():
            dest = local / path.relative_to(target).as_posix()
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(path.read_bytes())


@contextlib.contextmanager
def writable_dir(target: UPath, marker: str | None = None) -> Iterator[Path]:
    """A local folder to save into; its files end up under ``target`` when the block exits."""
    if is_local(target):
        Path(str(target)).mkdir(parents=True, exist_ok=True)
        yield Path(str(target))
        return
    with tempfile.TemporaryDirectory(prefix="appops-model-") as scratch:
        yield Path(scratch)
        upload_dir(Path(scratch), target, marker)


@contextlib.contextmanager
def readable_dir(target: UPath) -> Iterator[Path]:
    """A local folder holding ``target``'s files for the duration of the block."""
    if is_local(target):
        yield Path(str(target))
        return
    with tempfile.TemporaryDirectory(prefix="appops-model-") as scratch:
        download_dir(target, Path(scratch))
        yield Path(scratch)


def remove_dir(target: UPath) -> None:
    if target.exists():
        target.fs.rm(target.path, recursive=True)
