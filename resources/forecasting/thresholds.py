"""Capacity thresholds from a YAML file: ``thresholds: [{metric, resource?, agg?, threshold}]``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

SHIPPED = Path(__file__).with_name("capacity_thresholds.yaml")


@dataclass(frozen=True)
class Threshold:
    metric: str
    threshold: float
    resource: str | None = None
    agg: str | None = None

    def matches(self, metric: str, resource: str, agg: str) -> bool:
        return self.metric == metric and self.resource in (None, resource) and self.agg in (None, agg)

    @property
    def specificity(self) -> int:
        return (self.resource is not None) * 2 + (self.agg is not None)


def load_thresholds(path: str | Path = "") -> list[Threshold]:
    """Read and validate the rules; errors name the file and the rule's position."""
    path = Path(path) if path else SHIPPED
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rules = []
    for i, rule in enumerate(doc.get("thresholds") or []):
        unknown = set(rule) - {"metric", "resource", "agg", "threshold"}
        if unknown or "metric" not in rule or "threshold" not in rule:
            raise ValueError(
                f"{path}: thresholds[{i}] needs metric and threshold "
                f"(optional resource, agg); got {sorted(rule)}"
            )
        try:
            value = float(rule["threshold"])
        except (TypeError, ValueError):
            raise ValueError(
                f"{path}: thresholds[{i}].threshold is not a number: {rule['threshold']!r}"
            ) from None
        rules.append(Threshold(str(rule["metric"]), value, rule.get("resource"), rule.get("agg")))
    return rules


def threshold_for(rules: list[Threshold], metric: str, resource: str, agg: str) -> float | None:
    """The most specific matching rule's ceiling, or None (no time to limit then)."""
    found = [r for r in rules if r.matches(metric, resource, agg)]
    return max(found, key=lambda r: r.specificity).threshold if found else None
