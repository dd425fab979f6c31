"""Parse endoflife.date data (``products/*.md`` front matter, API JSON) into RAW_EOL_CATALOG rows.

Pure functions: frames carry ``RAW_EOL_CATALOG.columns`` without ``partition_date`` (the caller
adds it). Mapping rules, the same for every input format:

- ``release_cycle`` is always the source text ("3.10" stays "3.10": YAML is read without int /
  float resolution, JSON files keep float literals as text);
- ``eol`` / ``eoas`` keep the raw value as text (ISO date, "true" or "false"); ``eol_date`` /
  ``eoas_date`` / ``eoes_date`` hold the date when the value is one;
- ``lts`` is True when lts is ``true`` or a date (even a future one), else False;
- ``release_label``: ``releaseLabel`` (else the product-level one) with ``__RELEASE_CYCLE__`` /
  ``__CODENAME__`` filled in, null if absent or still holding Liquid code; v1 API: ``label``
  unless it equals the release name.

A release that cannot be mapped (no ``releaseCycle``, no or invalid ``eol``, a bad date, a
duplicate cycle) is skipped: ``read_*`` return rows and rejects (:class:`CatalogParse`; rejects
have ``product, _file, _row, _column, _reason``, ``_row`` = file line of the release for
Markdown, index in the releases list for JSON); ``parse_*`` return the rows and log a warning
per reject. A file that cannot be read or parsed raises :class:`CatalogParseError` naming it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from resources.schemas import RAW_EOL_CATALOG

log = logging.getLogger(__name__)

CATALOG_COLUMNS: dict[str, pl.DataType] = dict(RAW_EOL_CATALOG.columns)
REJECT_SCHEMA: dict[str, pl.DataType] = {
    "product": pl.String(),
    "_file": pl.String(),
    "_row": pl.Int64(),
    "_column": pl.String(),
    "_reason": pl.String(),
}


class CatalogParseError(ValueError):
    """A catalog file that cannot be parsed at all (the message names the file)."""


@dataclass
class CatalogParse:
    rows: pl.DataFrame
    rejects: pl.DataFrame


class _TextLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loader (libyaml when built in) keeping numbers as source text ("3.10", not 3.1)."""


_TextLoader.yaml_implicit_resolvers = {
    first: [
        (tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def catalog_dir() -> Path:
    """The shipped snapshot's ``products`` folder (see resources/catalog/endoflife/README.md)."""
    return Path(__file__).resolve().parents[1] / "catalog" / "endoflife" / "products"


class _Reject(ValueError):
    """``_Reject(column, reason)``: the release is skipped and reported."""


def _to_date(value: Any, column: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _Reject(column, f"{column}: not a date: {value!r}") from None


def _bool_or_date(value: Any, column: str) -> tuple[str | None, date | None]:
    """(raw text, date) of a ``true | false | date`` field."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower(), None
    parsed = _to_date(value, column)
    return parsed.isoformat(), parsed


def _row(product: str, title: Any, category: Any, r: dict[str, Any]) -> dict[str, Any]:
    """One canonical row from a release in Markdown field names (``releaseCycle``, ``eol``…)."""
    cycle = r.get("releaseCycle")
    if cycle is None or str(cycle).strip() == "":
        raise _Reject("release_cycle", "missing releaseCycle")
    eol_text, eol_date = _bool_or_date(r.get("eol"), "eol")
    if eol_text is None:
        raise _Reject("eol", "missing eol")
    eoas_text, eoas_date = _bool_or_date(r.get("eoas"), "eoas")
    lts, latest = r.get("lts"), r.get("latest")
    return {
        "product": product,
        "product_title": None if title is None else str(title),
        "category": None if category is None else str(category),
        "release_cycle": str(cycle).strip(),
        "release_label": r.get("releaseLabel"),
        "release_date": _to_date(r.get("releaseDate"), "release_date"),
        "eoas": eoas_text,
        "eoas_date": eoas_date,
        "eol": eol_text,
        "eol_date": eol_date,
        "eoes_date": _bool_or_date(r.get("eoes"), "eoes")[1],
        "lts": lts is True or (isinstance(lts, (date, str)) and lts not in ("", "false")),
        "latest": None if latest is None else str(latest),
        "latest_release_date": _to_date(r.get("latestReleaseDate"), "latest_release_date"),
    }


class _Collector:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.rejects: list[dict[str, Any]] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, product: str, title: Any, category: Any, release: Any, file: str, row: int | None) -> bool:
        """Append the release's row, or a reject (returns False)."""
        try:
            record = _row(product, title, category, release if isinstance(release, dict) else {})
            if (product, record["release_cycle"]) in self._seen:
                raise _Reject("release_cycle", f"duplicate release cycle {record['release_cycle']!r}")
        except _Reject as exc:
            self.rejects.append(
                {
                    "product": product,
                    "_file": file,
                    "_row": row,
                    "_column": exc.args[0],
                    "_reason": exc.args[1],
                }
            )
            return False
        self._seen.add((product, record["release_cycle"]))
        self.rows.append(record)
        return True

    def result(self) -> CatalogParse:
        return CatalogParse(
            pl.DataFrame(self.rows, schema=CATALOG_COLUMNS, orient="row"),
            pl.DataFrame(self.rejects, schema=REJECT_SCHEMA, orient="row"),
        )


def _front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """The parsed front matter and its text; raises CatalogParseError naming the file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogParseError(f"{path}: cannot read: {exc}") from exc
    if not lines or lines[0].rstrip() != "---":
        raise CatalogParseError(f"{path}: no YAML front matter (first line is not '---')")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if end is None:
        raise CatalogParseError(f"{path}: YAML front matter is not closed by a '---' line")
    text = "\n".join(lines[1:end])
    try:
        data = yaml.load(text, Loader=_TextLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)  # 0-based within the front matter
        where = f"{path}:{mark.line + 2}" if mark is not None else str(path)
        what = ", ".join(filter(None, (getattr(exc, "context", None), getattr(exc, "problem", None))))
        raise CatalogParseError(f"{where}: invalid YAML front matter: {what or exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("releases"), list):
        raise CatalogParseError(f"{path}: front matter has no 'releases' list")
    return data, text


def _release_lines(text: str, count: int) -> list[int | None]:
    """File line number (1-based, line 1 = opening '---') of each entry of ``releases``."""
    root = yaml.compose(text, Loader=_TextLoader)
    for key, value in root.value:
        if key.value == "releases" and isinstance(value, yaml.SequenceNode):
            return [node.start_mark.line + 2 for node in value.value]
    return [None] * count


def _md_label(template: Any, cycle: Any, codename: Any) -> str | None:
    if template is None:
        return None
    label = str(template).replace("__RELEASE_CYCLE__", str(cycle or ""))
    label = label.replace("__CODENAME__", str(codename or ""))
    return None if "{{" in label or "{%" in label else label


def read_products_dir(path: str | Path, products: Iterable[str] | None = None) -> CatalogParse:
    """Every ``*.md`` of ``path`` (sorted by name; only ``products`` stems when given), one row
    per release, in file order."""
    wanted = None if products is None else set(products)
    files = [f for f in sorted(Path(path).glob("*.md")) if wanted is None or f.stem in wanted]
    if not files:
        raise CatalogParseError(f"{path}: no *.md product file")
    out = _Collector()
    for file in files:
        data, text = _front_matter(file)
        lines: list[int | None] | None = None
        for i, rel in enumerate(data["releases"]):
            if isinstance(rel, dict):
                rel = {
                    **rel,
                    "releaseLabel": _md_label(
                        rel.get("releaseLabel", data.get("releaseLabel")),
                        rel.get("releaseCycle"),
                        rel.get("codename"),
                    ),
                }
            if not out.add(file.stem, data.get("title"), data.get("category"), rel, str(file), None):
                lines = lines or _release_lines(text, len(data["releases"]))  # only when needed
                out.rejects[-1]["_row"] = lines[i] if i < len(lines) else None
    return out.result()


def parse_products_dir(path: str | Path, products: Iterable[str] | None = None) -> pl.DataFrame:
    """Rows of :func:`read_products_dir`; rejects are logged as warnings."""
    return _log_rejects(read_products_dir(path, products))


def _v1_product(out: _Collector, product: Any, file: str) -> None:
    """Releases of one v1 product, renamed to the Markdown fields."""
    if (
        not isinstance(product, dict)
        or not product.get("name")
        or not isinstance(product.get("releases"), list)
    ):
        raise CatalogParseError(f"{file}: v1 product without 'name' or 'releases'")
    for i, r in enumerate(product["releases"]):
        r = r if isinstance(r, dict) else {}
        latest = r.get("latest") if isinstance(r.get("latest"), dict) else {}
        label = r.get("label")
        release = {
            "releaseCycle": r.get("name"),
            "releaseDate": r.get("releaseDate"),
            "releaseLabel": label if label and label != r.get("name") else None,
            "eol": r.get("eolFrom") or r.get("isEol"),
            "eoas": r.get("eoasFrom") or r.get("isEoas"),
            "eoes": r.get("eoesFrom") or r.get("isEoes"),
            "lts": r.get("ltsFrom") or bool(r.get("isLts")),
            "latest": latest.get("name"),
            "latestReleaseDate": latest.get("date"),
        }
        out.add(product["name"], product.get("label"), product.get("category"), release, file, i)


def read_api_json(obj_or_path: Any, product: str | None = None) -> CatalogParse:
    """Parse endoflife.date API output: v1 ``/api/v1/products/<p>`` or ``/products/full``
    (``{"result": {...} | [...]}``), or the legacy ``/api/<p>.json`` list of cycles (product
    name = ``product`` or the file stem). Accepts the decoded object or a JSON file path."""
    file = "<object>"
    if isinstance(obj_or_path, (str, Path)):
        file = str(obj_or_path)
        try:
            text = Path(obj_or_path).read_text(encoding="utf-8")
            obj = json.loads(text, parse_float=str)  # keep 3.10 as "3.10"
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CatalogParseError(f"{file}: cannot read API JSON: {exc}") from exc
        product = product or Path(obj_or_path).stem
    else:
        obj = obj_or_path
    out = _Collector()
    if isinstance(obj, dict) and "result" in obj:
        result = obj["result"]
        for item in result if isinstance(result, list) else [result]:
            _v1_product(out, item, file)
    elif isinstance(obj, list):
        if not product:
            raise CatalogParseError(f"{file}: legacy API list needs a product name")
        for i, r in enumerate(obj):
            r = r if isinstance(r, dict) else {}
            release = {
                **r,
                "releaseCycle": r.get("cycle"),
                "eoas": r.get("support"),
                "eoes": r.get("extendedSupport"),
                "releaseLabel": _md_label(r.get("releaseLabel"), r.get("cycle"), r.get("codename")),
            }
            out.add(product, None, None, release, file, i)
    else:
        raise CatalogParseError(f"{file}: not an endoflife.date API output (v1 or legacy)")
    return out.result()


def parse_api_json(obj_or_path: Any, product: str | None = None) -> pl.DataFrame:
    """Rows of :func:`read_api_json`; rejects are logged as warnings."""
    return _log_rejects(read_api_json(obj_or_path, product))


def _log_rejects(parsed: CatalogParse) -> pl.DataFrame:
    for r in parsed.rejects.iter_rows(named=True):
        log.warning(
            "eol catalog: skipped release of %s (%s line/row %s): %s",
            r["product"],
            r["_file"],
            r["_row"],
            r["_reason"],
        )
    return parsed.rows
