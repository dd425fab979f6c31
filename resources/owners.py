"""Who owns which assets: one team per domain (asset group), shown in the UI's owner column.

Set here once rather than on every asset, so that a new asset in a domain gets its owner
without anyone remembering to. ``APPOPS_ASSET_OWNERS`` overrides the defaults, e.g.
``tickets=team:servicedesk,metrics=capacity@bank.example`` (Dagster takes ``team:<name>`` or an
e-mail address); a group not listed keeps its default, an unknown group is an error.
"""

from __future__ import annotations

import os

DEFAULT_OWNERS: dict[str, str] = {
    "metrics": "team:capacity-planning",
    "tickets": "team:incident-intelligence",
    "verbatims": "team:customer-voice",
    "obsolescence": "team:obsowatch",
    "appops360": "team:appops",
    "knowledge": "team:service-desk-tools",
}
FALLBACK_OWNER = "team:data-platform"  # an asset outside the groups above (dbt's own groups)


def asset_owners(env: str | None = None) -> dict[str, str]:
    """The owner of each asset group: defaults, then ``APPOPS_ASSET_OWNERS``."""
    owners = dict(DEFAULT_OWNERS)
    text = os.environ.get("APPOPS_ASSET_OWNERS", "") if env is None else env
    for item in filter(None, (part.strip() for part in text.split(","))):
        group, sep, owner = item.partition("=")
        group, owner = group.strip(), owner.strip()
        if not sep or not owner:
            raise ValueError(f"APPOPS_ASSET_OWNERS: '{item}' is not group=owner")
        if group not in owners:
            raise ValueError(
                f"APPOPS_ASSET_OWNERS: unknown group '{group}' (groups: {', '.join(sorted(owners))})"
            )
        if not (owner.startswith("team:") or "@" in owner):
            raise ValueError(
                f"APPOPS_ASSET_OWNERS: owner '{owner}' of {group} must be team:<name> or an e-mail address"
            )
        owners[group] = owner
    return owners


def owner_of(group_name: str | None, owners: dict[str, str]) -> str:
    return owners.get(group_name or "", FALLBACK_OWNER)
