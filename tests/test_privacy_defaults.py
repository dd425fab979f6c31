"""Privacy-safe defaults: nothing phones home from dbt, its docs page or the Dagster instance.

A bank's reviewer refuses dbt's anonymous usage statistics, the tracker in dbt's docs page, a
committed `.user.yml` cookie and Dagster telemetry; each is checked on the real tool here.
"""

import os
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import yaml
from warehouse_support import run_dbt

CHECKOUT = Path(__file__).resolve().parent.parent


def _copy_dbt_project(tmp_path: Path) -> Path:
    project = tmp_path / "dbt_project"
    shutil.copytree(
        CHECKOUT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs", ".user.yml")
    )
    return project


def test_dbt_sends_nothing_and_its_docs_page_loads_no_tracker(tmp_path: Path):
    project = _copy_dbt_project(tmp_path)
    env = {
        k: v for k, v in os.environ.items() if k not in ("DO_NOT_TRACK", "DBT_SEND_ANONYMOUS_USAGE_STATS")
    }  # the project alone
    env["APPOPS_WAREHOUSE"] = str(tmp_path / "docs.duckdb")
    done = run_dbt(["docs", "generate", "--static", "--empty-catalog"], project, env, tmp_path)
    assert done.returncode == 0, done.stdout[-2000:]
    page = (tmp_path / "target" / "static_index.html").read_text()
    # dbt-docs starts its Snowplow tracker only when the embedded manifest says true.
    assert '"send_anonymous_usage_stats": false' in page
    assert '"send_anonymous_usage_stats": true' not in page
    assert not (project / ".user.yml").exists()  # no tracking cookie written


def test_user_yml_is_not_tracked_by_git():
    tracked = subprocess.run(
        ["git", "ls-files", "dbt_project/.user.yml"], cwd=CHECKOUT, capture_output=True, text=True, check=True
    ).stdout
    assert tracked.strip() == ""
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "dbt_project/.user.yml"], cwd=CHECKOUT, check=False
    )
    assert ignored.returncode == 0


def _instance(home: Path) -> dg.DagsterInstance:
    subprocess.run(["bash", str(CHECKOUT / ".ci" / "instance"), str(home)], check=True)
    return dg.DagsterInstance.from_config(str(home))


def test_demo_instance_has_telemetry_off_and_one_warehouse_writer(tmp_path: Path):
    with _instance(tmp_path / "dagster") as instance:
        assert instance.telemetry_enabled is False
        assert instance.nux_enabled is False  # no dialog loading an iframe from dagster.io
        pools = instance.get_settings("concurrency")["pools"]
        assert pools["default_limit"] == 1


def test_older_demo_instance_file_gets_telemetry_switched_off(tmp_path: Path):
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("concurrency:\n  pools:\n    default_limit: 1\n")
    with _instance(home) as instance:
        assert instance.telemetry_enabled is False and instance.nux_enabled is False
    settings = yaml.safe_load((home / "dagster.yaml").read_text())
    assert settings["concurrency"]["pools"]["default_limit"] == 1  # kept


def test_every_instance_file_the_project_ships_has_telemetry_off():
    """Every dagster.yaml in the checkout (templates the scripts copy into a DAGSTER_HOME) turns
    telemetry off; the demo writes its instance from .ci/dagster.yaml through .ci/instance."""
    shipped = subprocess.run(
        ["git", "ls-files", "*dagster.yaml"], cwd=CHECKOUT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert ".ci/dagster.yaml" in shipped
    for name in shipped:
        settings = yaml.safe_load((CHECKOUT / name).read_text())
        assert settings.get("telemetry") == {"enabled": False}, name
    demo = (CHECKOUT / ".ci" / "demo").read_text()
    assert 'bash .ci/instance "$DAGSTER_HOME"' in demo and "dagster.yaml" not in demo
