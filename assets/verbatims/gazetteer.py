"""Entity recognition in verbatims from a configurable gazetteer plus patterns.

The gazetteer (``resources/gazetteer/verbatims.yaml``, or the file ``APPOPS_VERBATIM_GAZETTEER``
names) maps entity types (channel, product, problem) to canonical entities and the phrases that
name them; matching is on whole words of the lower-cased, accent-folded text so "Appli",
"l'appli" and "APPLI" all count. Agencies are found by pattern ("agence de Lyon Part-Dieu").
"""

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT = Path(__file__).resolve().parents[2] / "resources" / "gazetteer" / "verbatims.yaml"
AGENCY = re.compile(r"\b[Aa]gence (?:de |d'|du |des )?((?:[A-ZÀ-Ý][\w'-]+)(?: [A-ZÀ-Ý][\w'-]+)?)")


def fold(text: str) -> str:
    """Lower case without accents (the form phrases are matched on)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")


@dataclass(frozen=True)
class Gazetteer:
    patterns: tuple[tuple[str, str, re.Pattern], ...]  # (entity type, entity, pattern)

    @classmethod
    def load(cls, path: str | os.PathLike | None = None) -> "Gazetteer":
        path = Path(path or os.environ.get("APPOPS_VERBATIM_GAZETTEER") or DEFAULT)
        try:
            spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise ValueError(f"gazetteer {path}: cannot read it: {error}") from error
        patterns = []
        for kind, entities in (spec or {}).items():
            if not isinstance(entities, dict):
                raise ValueError(f"gazetteer {path}: '{kind}' must map entities to phrase lists")
            for entity, phrases in entities.items():
                if not isinstance(phrases, list) or not phrases:
                    raise ValueError(f"gazetteer {path}: {kind}/{entity}: expected a list of phrases")
                alternatives = [
                    p[3:] if p.startswith("re:") else rf"\b{re.escape(fold(p))}\b" for p in map(str, phrases)
                ]
                patterns.append((kind, str(entity), re.compile("|".join(alternatives))))
        return cls(tuple(patterns))

    def find(self, text: str) -> list[tuple[str, str]]:
        """(entity type, entity) pairs named in ``text``, each once, in gazetteer order."""
        folded = fold(text)
        found = [(kind, entity) for kind, entity, pattern in self.patterns if pattern.search(folded)]
        found += [("agency", f"Agence {name}") for name in dict.fromkeys(AGENCY.findall(text))]
        return found
