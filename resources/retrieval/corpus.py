"""Which documents make the corpus on a day, read into chunk rows.

The corpus is the runbooks shipped for the demo applications (``resources/demo/runbooks``),
the endoflife.date product pages shipped in ``resources/catalog/endoflife/products`` and every
supported file under ``$APPOPS_HOME/landing/docs/`` (sub-folders included). A landed file whose
name carries a date (``postmortem_2024-05-01.md``) belongs to the corpus from that day on;
an undated one belongs to every day.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
from upath import UPath

from resources.redaction import redact
from resources.retrieval.documents import (
    SUFFIXES,
    DocumentError,
    fields_json,
    parse_document,
)

SHIPPED = {
    "runbooks": Path(__file__).resolve().parent.parent / "demo" / "runbooks",
    "endoflife": Path(__file__).resolve().parent.parent / "catalog" / "endoflife" / "products",
}
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
CHUNK_SCHEMA = {
    "path": pl.String(),
    "source": pl.String(),
    "doc_sha256": pl.String(),
    "title": pl.String(),
    "heading": pl.String(),
    "text": pl.String(),
    "position": pl.Int32(),
    "fields": pl.String(),
    "chunk_id": pl.String(),
    "kind": pl.String(),
}


def _redacted(text: str, counts: Counter, memo: dict | None = None) -> str:
    """``text`` redacted, its counts added to ``counts``. ``memo`` (text -> result) skips the NER
    for a string already redacted: a document's title and headings repeat on each passage."""
    if memo is None or text not in memo:
        clean, found = redact(text)
        if memo is None:
            counts.update(found)
            return clean or ""
        memo[text] = (clean, found)
    clean, found = memo[text]
    counts.update(found)
    return clean or ""


def effective_day(name: str) -> date | None:
    match = _DATE_IN_NAME.search(name)
    try:
        return date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def corpus_files(
    landing: UPath | None, day: date | None = None, shipped: bool = True
) -> list[tuple[str, str, UPath | Path]]:
    """(source, display path, file) of every document of ``day``, in a stable order."""
    out: list[tuple[str, str, UPath | Path]] = []
    if shipped:
        for source, folder in SHIPPED.items():
            out += [
                (source, f"{source}/{p.name}", p)
                for p in sorted(folder.glob("*"))
                if p.suffix.lower() in SUFFIXES
            ]
    if landing is not None and landing.exists():
        for p in sorted(landing.rglob("*"), key=lambda p: str(p)):
            if not p.is_file() or p.suffix.lower() not in SUFFIXES or p.name.startswith("."):
                continue
            when = effective_day(p.name)
            if day is not None and when is not None and when > day:
                continue
            rel = str(p)[len(str(landing)) :].lstrip("/")
            out.append(("landing", f"landing/docs/{rel}", p))
    return out


def document_rows(source: str, display: str, data: bytes) -> tuple[list[dict], Counter]:
    """The redacted passage rows of one document and its redaction counts (DocumentError
    when it cannot be read)."""
    counts: Counter = Counter()
    digest = hashlib.sha256(data).hexdigest()
    rows, memo = [], {}
    for c in parse_document(display, data):
        c.title, c.heading, c.text = (_redacted(v, counts, memo) for v in (c.title, c.heading, c.text))
        rows.append(
            {
                "path": c.path,
                "source": source,
                "doc_sha256": digest,
                "title": c.title,
                "heading": c.heading,
                "text": c.text,
                "position": c.position,
                "fields": _redacted(fields_json(c), counts),
                "chunk_id": c.chunk_id,
                "kind": c.kind,
            }
        )
    return rows, counts


def read_corpus(
    files: list[tuple[str, str, UPath | Path]], counts: Counter | None = None, cache: dict | None = None
) -> tuple[pl.DataFrame, list[str]]:
    """Chunk rows of ``files`` and the errors of the files that could not be read (by name).

    Personal data in a document (an author's e-mail, a customer named in a post-mortem) is
    redacted before anything is kept, like every landed text; ``counts`` gets the counts per
    type. The ``chunk_id`` is a hash of the redacted passage. ``cache`` (a dict kept across
    calls, e.g. the days of one run) parses each version of a document once."""
    rows, errors = [], []
    counts = Counter() if counts is None else counts
    cache = {} if cache is None else cache
    for source, display, path in files:
        data = path.read_bytes()
        key = (source, display, hashlib.sha256(data).hexdigest())
        if key not in cache:
            try:
                cache[key] = document_rows(source, display, data)
            except DocumentError as error:
                cache[key] = error
        found = cache[key]
        if isinstance(found, DocumentError):
            errors.append(str(found))
            continue
        rows += found[0]
        counts.update(found[1])
    return pl.DataFrame(rows, schema=CHUNK_SCHEMA), errors
