"""Aliases of column names and category values per raw asset (``resources/aliases.yaml``).

French exports name columns and values in French (``date`` for ``day``, ``pré-production``,
``critique``): the aliases map them to the canonical schema so such a file is read, not refused.
A site adds its own spellings in a YAML file of the same shape (``aliases_file`` of a source),
merged over the shipped defaults.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "aliases.yaml"


def value_key(value: str) -> str:
    """How values are compared: case, accents and separators (space, ``_``, ``-``) ignored."""
    plain = unicodedata.normalize("NFKD", value.strip().casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return re.sub(r"[\s_\-]+", "", plain)


def column_key(name: str) -> str:
    return name.strip().lower().replace(" ", "_")


@dataclass(frozen=True)
class Aliases:
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def value_map(self, column: str, canonical: tuple) -> dict[str, str]:
        """``value_key`` of every accepted spelling -> canonical value."""
        found = {value_key(str(v)): str(v) for v in canonical}
        for alias, target in self.values.get(column, {}).items():
            found[value_key(str(alias))] = str(target)
        return found


def _load(path: Path | str) -> dict:
    text = Path(path).read_text(encoding="utf-8")
    loaded = yaml.safe_load(text) or {}
    if not isinstance(loaded, dict):
        raise TypeError(f"{path}: expected a mapping of raw assets to aliases")
    return loaded


@lru_cache(maxsize=16)
def aliases_for(asset: str, extra_file: str | None = None) -> Aliases:
    """The shipped aliases of ``asset``, with ``extra_file``'s merged over them."""
    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for path in [DEFAULT_FILE, *([extra_file] if extra_file else [])]:
        spec = _load(path).get(asset) or {}
        columns.update({column_key(str(k)): str(v) for k, v in (spec.get("columns") or {}).items()})
        for column, mapping in (spec.get("values") or {}).items():
            values.setdefault(column, {}).update({str(k): str(v) for k, v in mapping.items()})
    return Aliases(columns=columns, values=values)
