"""Which documents make the corpus on a day, read into chunk rows.

The corpus is the runbooks shipped for the demo applications (``resources/demo/runbooks``),
the endoflife.date product pages shipped in ``resources/catalog/endoflife/products`` and every
supported file under ``$APPOPS_HOME/landing/docs/`` (sub-folders included). A landed file whose
name carries a date (``postmortem_2024-05-01.md``) belongs to the corpus from that day on;
an undated one belongs to every day.

Every passage is redacted like every landed text, except the endoflife.date pages: public
reference data shipped with the code, where the recogniser found only false positives (4,029
"names": code names, product and vendor names; 12 "cards": build numbers that pass Luhn) that
would blank out what a question about a product is asking for, at about a minute of NER a run.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
from upath import UPath

from resources.redaction import redact_each
from resources.retrieval.documents import (
    SUFFIXES,
    DocumentError,
    fields_json,
    parse_document,
)
from resources.retrieval.schemas import DOCUMENT_CHUNKS

NOT_REDACTED = frozenset({"endoflife"})  # public reference pages (see the module docstring)
SHIPPED = {
    "runbooks": Path(__file__).resolve().parent.parent / "demo" / "runbooks",
    "endoflife": Path(__file__).resolve().parent.parent / "catalog" / "endoflife" / "products",
}
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")
CHUNK_SCHEMA = DOCUMENT_CHUNKS.columns


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
    when it cannot be read). The document's distinct strings (titles and headings repeat on
    each passage) are redacted in one batch; counts are per occurrence."""
    counts: Counter = Counter()
    digest = hashlib.sha256(data).hexdigest()
    chunks = list(parse_document(display, data))
    strings = [(c.title, c.heading, c.text, fields_json(c)) for c in chunks]
    distinct = list(dict.fromkeys(v for values in strings for v in values))
    if source in NOT_REDACTED:
        redacted = {v: (v, Counter()) for v in distinct}
    else:
        redacted = dict(zip(distinct, redact_each(distinct), strict=True))

    def clean(value: str) -> str:
        text, found = redacted[value]
        counts.update(found)
        return text or ""

    rows = []
    for c, (title, heading, text, fields) in zip(chunks, strings, strict=True):
        c.title, c.heading, c.text = clean(title), clean(heading), clean(text)
        rows.append(
            {
                "path": c.path,
                "source": source,
                "doc_sha256": digest,
                "title": c.title,
                "heading": c.heading,
                "text": c.text,
                "position": c.position,
                "fields": clean(fields),
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
