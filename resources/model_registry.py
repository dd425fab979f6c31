"""The one model registry of the lakehouse: MLflow tracking + model registry.

Embedded default: a SQLite backend ``$APPOPS_HOME/mlflow/mlflow.db`` and the artifacts under
``$APPOPS_HOME/mlflow/artifacts/``. SQLite cannot live on an object store: when the root is
``s3://...`` the database is kept in a local working folder (``APPOPS_MLFLOW_LOCAL``, default
``~/.cache/appops-lakehouse/mlflow/<hash of root>``) and the artifacts go to the store,
``<root>/mlflow/artifacts`` (MLflow's S3 artifact repository; other fsspec roots keep them in the
local folder). To share the registry between machines (Kubernetes pods) point
``MLFLOW_TRACKING_URI`` at a database MLflow's SQLAlchemy store supports, e.g.
``postgresql+psycopg2://user:password@host/mlflow`` (no MLflow server needed), or at an MLflow
server; it wins over the SQLite file. Browse the embedded store with
``mlflow ui --backend-store-uri sqlite:///.../mlflow.db`` (the UI needs the full ``mlflow`` package).

Each registered model has versions; the aliases ``champion`` (serves) and ``challenger``
(shadow: predicts beside the champion until the promotion gate decides) point at them. A
version's artifact holds ``model.joblib`` (the fitted model; a head on a frozen encoder keeps
only a reference to the encoder), ``thresholds.json`` (per-class confidence thresholds),
``meta.json`` and ``validation.json`` (the validation rows' truth and predictions, which the gate
replays). ``load_champion(name)`` is what a service calls to predict without the assets.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from upath import UPath

CHAMPION, CHALLENGER = "champion", "challenger"
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
_LOCK = threading.Lock()


def _root(root: str | None) -> UPath:
    from resources.storage import default_root, store_path

    return store_path(root or default_root())


def locations(root: str | None = None) -> tuple[str, str]:
    """(tracking URI, artifact folder URI) for a storage root (see module docstring)."""
    from resources.storage import is_local

    base = _root(root)
    if is_local(base):
        folder = Path(str(base)) / "mlflow"
    else:
        digest = hashlib.sha256(str(base).encode()).hexdigest()[:12]
        folder = Path(
            os.environ.get("APPOPS_MLFLOW_LOCAL")
            or Path.home() / ".cache" / "appops-lakehouse" / "mlflow" / digest
        )
    folder.mkdir(parents=True, exist_ok=True)
    uri = os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{folder / 'mlflow.db'}"
    if base.protocol in ("s3", "s3a"):  # every machine reads the artifacts from the store
        return uri, str(base / "mlflow" / "artifacts")
    return uri, (folder / "artifacts").as_uri()


def retry_locked(write):
    """``write()``, again when it meets the embedded SQLite registry locked by another process
    (two steps registering models at the same moment). Wrap each registry call on its own, so
    a retry never repeats one that succeeded."""
    for attempt in range(8):
        try:
            return write()
        except Exception as error:
            if "locked" not in str(error).lower() or attempt == 7:
                raise
            time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")


def git_commit() -> str:
    try:
        return (
            subprocess.run(
                ["git", "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                timeout=5,
                cwd=Path(__file__).resolve().parent.parent,
            ).stdout.strip()
            or "unknown"
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@dataclass
class RegisteredModel:
    """A loaded version: ``predict``/``predict_proba`` as the model, plus its thresholds."""

    name: str
    version: str
    model: object
    thresholds: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    validation: dict = field(default_factory=dict)

    @property
    def classes_(self):
        return self.model.classes_

    def predict_proba(self, texts: list[str]):
        return self.model.predict_proba(list(texts))

    def predict(self, texts: list[str]) -> list[str]:
        return self.model.predict(list(texts))

    def predict_with_reasons(self, texts: list[str]) -> dict[str, list]:
        """Label, confidence, ``needs_review`` and its reason per text (per-class thresholds)."""
        from resources.text_models.selection import predict_with_reasons

        return predict_with_reasons(self.model, self.thresholds, list(texts))


class ModelRegistry:
    """Log, register, alias and load model versions of one storage root."""

    def __init__(self, root: str | None = None):
        self.tracking_uri, self.artifact_uri = locations(root)
        self._client = None
        self._cache: dict[tuple[str, str], RegisteredModel] = {}

    @property
    def client(self):
        if self._client is None:  # never mlflow.set_tracking_uri: it sets MLFLOW_TRACKING_URI
            from mlflow import MlflowClient  # for the whole process, i.e. for every other root

            with _LOCK:
                self._client = MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)
        return self._client

    def _experiment(self, name: str) -> str:
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        return self.client.create_experiment(name, artifact_location=f"{self.artifact_uri}/{name}")

    def log_version(
        self,
        name: str,
        model,
        *,
        thresholds: dict | None = None,
        params: dict | None = None,
        metrics: dict | None = None,
        tags: dict | None = None,
        meta: dict | None = None,
        validation: dict | None = None,
        files: dict[str, bytes] | None = None,
    ) -> str:
        """One MLflow run (params, metrics, tags incl. the git commit) and a new registered
        version of ``name`` holding the model; returns the version number."""
        from mlflow.entities import Metric, Param

        client = self.client
        run = client.create_run(
            self._experiment(name),
            tags={"git_commit": git_commit(), **{k: str(v) for k, v in (tags or {}).items()}},
        )
        run_id = run.info.run_id
        flat = {k: v for k, v in (metrics or {}).items() if isinstance(v, (int, float)) and v is not None}
        client.log_batch(
            run_id,
            metrics=[Metric(k, float(v), 0, 0) for k, v in flat.items()],
            params=[Param(k, str(v)[:500]) for k, v in (params or {}).items()],
        )
        with tempfile.TemporaryDirectory(prefix="appops-mlflow-") as scratch:
            folder = Path(scratch) / "model"
            folder.mkdir()
            save_model(model, folder)
            (folder / "thresholds.json").write_text(json.dumps(thresholds or {}, indent=1))
            (folder / "meta.json").write_text(
                json.dumps({**(meta or {}), "run_id": run_id}, indent=1, default=str)
            )
            (folder / "validation.json").write_text(json.dumps(validation or {}, default=str))
            for file_name, data in (files or {}).items():
                (folder / file_name).write_bytes(data)
            client.log_artifacts(run_id, str(folder), "model")
        client.set_terminated(run_id)
        try:
            client.get_registered_model(name)
        except Exception:  # noqa: BLE001 - MlflowException RESOURCE_DOES_NOT_EXIST; its class moved between versions
            client.create_registered_model(name)
        source = f"{client.get_run(run_id).info.artifact_uri}/model"
        version = client.create_model_version(
            name, source, run_id=run_id, tags={k: str(v) for k, v in (tags or {}).items()}
        )
        return str(version.version)

    def alias(self, name: str, alias: str) -> str | None:
        """The version an alias points at, or None."""
        try:
            return str(self.client.get_model_version_by_alias(name, alias).version)
        except Exception:  # noqa: BLE001 - no such alias or model: MLflow raises its generic error
            return None

    def set_alias(self, name: str, alias: str, version: str) -> None:
        self.client.set_registered_model_alias(name, alias, str(version))

    def drop_alias(self, name: str, alias: str) -> None:
        if self.alias(name, alias) is not None:
            self.client.delete_registered_model_alias(name, alias)

    def versions(self, name: str) -> list[str]:
        try:
            found = self.client.search_model_versions(f"name='{name}'")
        except Exception:  # noqa: BLE001 - no such model: MLflow raises its generic error
            return []
        return sorted((str(v.version) for v in found), key=int)

    def version_tags(self, name: str, version: str) -> dict:
        return dict(self.client.get_model_version(name, str(version)).tags)

    def set_version_tag(self, name: str, version: str, key: str, value) -> None:
        self.client.set_model_version_tag(name, str(version), key, str(value))

    def load(self, name: str, version: str) -> RegisteredModel:
        """A registered version (cached per registry object)."""
        key = (name, str(version))
        if key not in self._cache:
            found = self.client.get_model_version(name, str(version))
            with tempfile.TemporaryDirectory(prefix="appops-mlflow-") as scratch:
                local = Path(self.client.download_artifacts(found.run_id, "model", scratch))
                model = load_model(local)
                self._cache[key] = RegisteredModel(
                    name,
                    str(version),
                    model,
                    json.loads((local / "thresholds.json").read_text()),
                    json.loads((local / "meta.json").read_text()),
                    json.loads((local / "validation.json").read_text()),
                )
        return self._cache[key]

    def load_alias(self, name: str, alias: str = CHAMPION) -> RegisteredModel | None:
        version = self.alias(name, alias)
        return None if version is None else self.load(name, version)


def save_model(model, folder: Path) -> None:
    """``model.joblib``, plus whatever a model keeps outside it (a fine-tuned SetFit body)."""
    import joblib

    joblib.dump(model, folder / "model.joblib")
    for part in _parts(model):
        if hasattr(part, "save_extra"):
            target = folder / f"extra_{_parts(model).index(part)}"
            target.mkdir()
            part.save_extra(target)


def load_model(folder: Path):
    import joblib

    model = joblib.load(folder / "model.joblib")
    for i, part in enumerate(_parts(model)):
        if hasattr(part, "load_extra"):
            part.load_extra(folder / f"extra_{i}")
    return model


def _parts(model) -> list:
    return [model, *getattr(model, "members", [])]


def load_champion(name: str, root: str | None = None) -> RegisteredModel:
    """The ``champion`` version of a registered model, ready to ``predict``/``predict_proba``/
    ``predict_with_reasons`` (thresholds included), without importing assets. Raises
    ``LookupError`` when the model has no champion yet."""
    found = ModelRegistry(root).load_alias(name, CHAMPION)
    if found is None:
        raise LookupError(f"model registry: {name!r} has no {CHAMPION} version yet")
    return found
