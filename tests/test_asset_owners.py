"""Every asset shows an owner in the UI: its domain's team, overridable by APPOPS_ASSET_OWNERS."""

import pytest

from definitions import build_definitions
from resources.owners import DEFAULT_OWNERS, asset_owners


def _owners_by_asset(defs) -> dict[str, tuple[str | None, list[str]]]:
    return {
        node.key.to_user_string(): (node.group_name, list(node.owners))
        for node in defs.resolve_asset_graph().asset_nodes
    }


def test_every_asset_has_its_domain_team_as_owner(tmp_path):
    assets = _owners_by_asset(build_definitions(root=str(tmp_path), mode="demo"))
    assert len(assets) > 50  # raw, derived and dbt assets alike
    for key, (group, owners) in assets.items():
        assert owners == [DEFAULT_OWNERS[group]], key


def test_owners_override_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("APPOPS_ASSET_OWNERS", "tickets=servicedesk@bank.example, metrics=team:sre")
    assets = _owners_by_asset(build_definitions(root=str(tmp_path), mode="demo"))
    assert assets["ticket_embeddings"][1] == ["servicedesk@bank.example"]
    assert assets["capacity_forecasts"][1] == ["team:sre"]
    assert assets["raw_verbatims"][1] == [DEFAULT_OWNERS["verbatims"]]


@pytest.mark.parametrize("bad", ["tickets", "ticketz=team:x", "tickets=nobody"])
def test_bad_owner_setting_names_the_problem(bad):
    with pytest.raises(ValueError, match="APPOPS_ASSET_OWNERS"):
        asset_owners(bad)
