"""The landing index: each landed file -> SHA-256 of its content -> the days its rows touch.

Why: a daily run must read only the files that hold rows of its days (runs stay fast as the
folder grows), and a file that cannot be read must fail only the days it touches instead of
every later run of its domain. The landing sensor and the runs both update the index; it is a
cache (one JSON object per landing folder under ``state/landing_index/``) whose loss costs one
re-read of every file, never a wrong answer: an entry is trusted only while the file's size and
modification time are unchanged, else the content is hashed again and re-read when it changed.

An unreadable file keeps its error. Its days are the ones its previous readable content
touched plus the day in its name (``export_2024-03-04.csv``); a run over one of those days fails
naming the file, other runs are not affected. The sensor reports an unreadable content once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date

from upath import UPath

from resources.storage import store_path, write_text_atomic

_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


@dataclass
class IndexEntry:
    sha256: str
    size: int
    mtime: float
    days: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def day_set(self) -> set[date]:
        return {date.fromisoformat(d) for d in self.days}


def file_sha256(path: UPath) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stat(path: UPath) -> tuple[int, float]:
    info = path.stat()
    return int(info.st_size), float(getattr(info, "st_mtime", 0.0) or 0.0)


def day_in_name(path: UPath) -> date | None:
    match = _DATE_IN_NAME.search(path.name)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


class LandingIndex:
    """``refresh(files, days_of)`` gives every file's entry, reading only new or changed ones.

    ``days_of(path)`` returns the days a file touches and raises ``ValueError`` (such as
    ``LandingFileError``) when the file cannot be read.
    """

    def __init__(self, path: UPath | str | None = None):
        self.path = store_path(path) if path else None
        self.entries: dict[str, IndexEntry] = {}
        self.changed = False
        if self.path is not None and self.path.exists():
            try:
                stored = json.loads(self.path.read_text(encoding="utf-8"))
                self.entries = {name: IndexEntry(**value) for name, value in stored.items()}
            except (ValueError, TypeError):  # a damaged cache is rebuilt, not trusted
                self.entries = {}

    def refresh(self, files: Iterable[UPath], days_of: Callable[[UPath], set[date]]) -> dict[str, IndexEntry]:
        found: dict[str, IndexEntry] = {}
        for path in files:
            found[path.name] = self._entry(path, days_of)
        if set(self.entries) - set(found):  # files removed from landing/
            self.changed = True
        self.entries = found
        self.save()
        return found

    def _entry(self, path: UPath, days_of: Callable[[UPath], set[date]]) -> IndexEntry:
        size, mtime = _stat(path)
        known = self.entries.get(path.name)
        if known and (known.size, known.mtime) == (size, mtime):
            return known
        digest = file_sha256(path)
        if known and known.sha256 == digest:
            known.size, known.mtime, self.changed = size, mtime, True
            return known
        self.changed = True
        try:
            days, error = days_of(path), None
        except ValueError as exc:
            days, error = (known.day_set if known and not known.error else set()), str(exc)
            if (named := day_in_name(path)) is not None:
                days.add(named)
        return IndexEntry(
            sha256=digest, size=size, mtime=mtime, days=sorted(d.isoformat() for d in days), error=error
        )

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        payload = json.dumps(
            {k: asdict(v) for k, v in sorted(self.entries.items())}, indent=1, sort_keys=True
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.path, payload)  # concurrent runs: last rename wins
        self.changed = False
