"""The MLflow registry shared between machines (Kubernetes pods) with no MLflow server: the
tracking store in PostgreSQL (``MLFLOW_TRACKING_URI=postgresql+psycopg2://…``, MLflow's own
SQLAlchemy store) and, on an ``s3://`` root, the artifacts under ``<root>/mlflow/artifacts`` on
the object store. A version registered in this process is loaded as ``champion`` by another
process whose local working folder is empty (a second pod): nothing of it lives on one machine.
Real PostgreSQL and moto's S3 server on loopback."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from upath import UPath

from resources.environment import environment
from resources.model_registry import ModelRegistry, locations
from resources.nlp.fewshot import tfidf_baseline
from resources.storage import store_path

REPO = Path(__file__).resolve().parent.parent
TEXTS = ["super appli", "très bon conseiller", "nul, attente interminable", "appli en panne"]
LABELS = ["positive", "positive", "negative", "negative"]


@pytest.fixture
def mlflow_db(postgres):
    """A database of its own for MLflow (its tables would clash with Dagster's ``runs``)."""
    con = psycopg2.connect(
        host="127.0.0.1", port=postgres.port, user=postgres.env["DAGSTER_PG_USER"], dbname="dagster"
    )
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute("drop database if exists mlflow")
        cur.execute("create database mlflow")
    con.close()
    user, password = postgres.env["DAGSTER_PG_USER"], postgres.env["DAGSTER_PG_PASSWORD"]
    return f"postgresql+psycopg2://{user}:{password}@127.0.0.1:{postgres.port}/mlflow"


def test_an_s3_root_keeps_the_artifacts_on_the_store(s3_root, tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    with environment({"APPOPS_MLFLOW_LOCAL": str(tmp_path / "local")}):
        tracking, artifacts = locations(s3_root)
    assert tracking == f"sqlite:///{tmp_path / 'local' / 'mlflow.db'}"  # one machine: SQLite
    assert artifacts == f"{s3_root}/mlflow/artifacts"


def test_a_champion_registered_on_one_pod_is_served_on_another(s3_root, mlflow_db, tmp_path):
    with environment({"APPOPS_MLFLOW_LOCAL": str(tmp_path / "pod-a"), "MLFLOW_TRACKING_URI": mlflow_db}):
        registry = ModelRegistry(s3_root)
        version = registry.log_version("sentiment_toy", tfidf_baseline(TEXTS, LABELS))
        registry.set_alias("sentiment_toy", "champion", version)
    stored = [p for p in store_path(s3_root).joinpath("mlflow", "artifacts").rglob("*") if p.is_file()]
    assert any(p.name == "model.joblib" for p in stored), stored
    other_pod = (
        "import sys, json; from resources.model_registry import ModelRegistry; "
        "model = ModelRegistry(sys.argv[1]).load_alias('sentiment_toy'); "
        "print(json.dumps(list(model.predict(sys.argv[2:]))))"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "APPOPS_MLFLOW_LOCAL": str(tmp_path / "pod-b"),
        "MLFLOW_TRACKING_URI": mlflow_db,
    }
    done = subprocess.run(
        [sys.executable, "-c", other_pod, s3_root, *TEXTS], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == str(LABELS).replace("'", '"')
    for pod in ("pod-a", "pod-b"):  # nothing of the registry kept on either machine
        assert not [p for p in (tmp_path / pod).rglob("*") if p.is_file()], pod
