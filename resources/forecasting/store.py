"""Forecasting selections in the one model registry (MLflow, ``resources.model_registry``).

Each selection (one series of one grain fit at one origin) is an MLflow run in the experiment
``forecast_<grain>``, with its parameters (model, members, window) and backtest metrics, and a
version of the registered model ``forecast.<grain>.<series>`` tagged with its ``origin``; the
alias ``champion`` points at the version of the newest origin. The global LSTM of a grain and
origin is a version of ``forecast.<grain>._lstm``. The run's artifact is one folder per
selection, written under the storage root (``models/forecasting/<grain>/<run id>/``: any
``UPath``, so ``s3://`` roots keep their models on the object store; only the registry's
SQLite database stays local, see ``resources.model_registry``): ``meta.json`` (chosen model,
members, window, backtest scores, conformal quantiles, why) and one pickle per fitted member.
The files are written first and the version registered last, so a version exists once
complete. The version a series uses is its origin: a rerun of a day finds exactly the model
that day used (the newest registered version of that origin; never a later origin).
"""

from __future__ import annotations

import json
import pickle
import time
import uuid
from datetime import date

from upath import UPath

from resources.model_registry import CHAMPION, ModelRegistry
from resources.storage import LakehouseStorage, store_path

LSTM = "_lstm"


def safe_name(series_id: str) -> str:
    return series_id.replace("/", "__").replace(" ", "_")


class ModelStore:
    """Save and find the forecasting selections of one grain (see module docstring)."""

    def __init__(self, storage: LakehouseStorage, grain: str):
        self.base = storage.models("forecasting", grain)
        self.root, self.grain = storage.root, grain
        self._registry: ModelRegistry | None = None
        self._found: dict[str, list[tuple[date, int, str]]] = {}

    def __getstate__(self) -> dict:
        """Pickled to pool or Dask workers: no client, no cache. The registry's database is
        created here first, with the grain's experiment, in the parent: workers creating them at
        once race on the schema and on the experiment's name."""
        self.registry._experiment(f"forecast_{self.grain}")
        return {**self.__dict__, "_registry": None, "_found": {}}

    @property
    def registry(self) -> ModelRegistry:
        if self._registry is None:
            self._registry = ModelRegistry(self.root)
        return self._registry

    def model_name(self, series_id: str) -> str:
        return f"forecast.{self.grain}.{safe_name(series_id)}"

    def _versions(self, series_id: str) -> list[tuple[date, int, str]]:
        """(origin, version number, artifact folder) of every registered version, oldest first."""
        name = self.model_name(series_id)
        if name not in self._found:
            try:
                found = self.registry.client.search_model_versions(f"name='{name}'")
            except Exception:  # noqa: BLE001 - no such model yet: MLflow raises its generic error
                found = []
            self._found[name] = sorted(
                (date.fromisoformat(v.tags["origin"]), int(v.version), v.source)
                for v in found
                if "origin" in v.tags
            )
        return self._found[name]

    def latest(self, series_id: str, origin: date) -> date | None:
        """Newest version fit at or before ``origin`` (never a later one: no look-ahead). The
        versions are read from the registry once per series and store; pool or Dask workers
        register versions the parent does not see: ``forget`` those series after them."""
        found = [o for o, _, _ in self._versions(series_id) if o <= origin]
        return max(found) if found else None

    def forget(self, series_id: str) -> None:
        """Read ``series_id``'s versions from the registry again next time (a worker process may
        have registered one). Why a cache at all: one registry query (~16 ms) per series, origin
        and grain added minutes to a 90-day forecasting backfill."""
        self._found.pop(self.model_name(series_id), None)

    def _folder(self, series_id: str, version: date) -> UPath | None:
        found = [(n, src) for o, n, src in self._versions(series_id) if o == version]
        return store_path(max(found)[1]) if found else None

    def _register(self, series_id: str, version: date, meta: dict, write) -> UPath:
        """A run in ``forecast_<grain>`` whose artifact folder ``write`` fills; then the version.
        Series are fitted in parallel processes (pool or Dask) that share the embedded SQLite
        registry: a write that meets the database locked by another one is retried."""
        folder = self.base / uuid.uuid4().hex
        folder.mkdir(parents=True, exist_ok=True)
        write(folder)
        for attempt in range(8):
            try:
                self._record(series_id, version, meta, folder)
                return folder
            except Exception as error:
                if "locked" not in str(error).lower() or attempt == 7:
                    raise
                time.sleep(0.2 * 2**attempt)
        return folder

    def _record(self, series_id: str, version: date, meta: dict, folder: UPath) -> None:
        from mlflow.entities import Metric, Param

        registry, name = self.registry, self.model_name(series_id)
        client = registry.client
        tags = {"series_id": series_id, "grain": self.grain, "origin": version.isoformat()}
        run = client.create_run(
            registry._experiment(f"forecast_{self.grain}"),
            tags={**tags, "artifact_folder": str(folder), "git_commit": _commit()},
        )
        scores = {
            f"{s['name']}_{k}": v
            for s in meta.get("backtest", [])
            if isinstance(s, dict) and "name" in s
            for k, v in s.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v
        }
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, float(v), 0, 0) for k, v in scores.items()],
            params=[
                Param(k, str(meta.get(k))[:500])
                for k in ("model", "members", "train_start", "train_end", "reason")
                if k in meta
            ],
        )
        client.set_terminated(run.info.run_id)
        try:
            client.get_registered_model(name)
        except Exception:  # noqa: BLE001 - MlflowException RESOURCE_DOES_NOT_EXIST
            try:
                client.create_registered_model(name)
            except Exception as error:
                if "already exists" not in str(error):
                    raise
        found = client.create_model_version(name, str(folder), run_id=run.info.run_id, tags=tags)
        champion = registry.alias(name, CHAMPION)
        newest = max([o for o, _, _ in self._versions(series_id)] or [version])
        if champion is None or version >= newest:
            registry.set_alias(name, CHAMPION, str(found.version))
        self._found.pop(name, None)

    def save(self, series_id: str, version: date, meta: dict, members: dict) -> None:
        def write(folder: UPath) -> None:
            for member, forecaster in members.items():
                (folder / f"{member}.pkl").write_bytes(pickle.dumps(forecaster))
            (folder / "meta.json").write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")

        self._register(series_id, version, meta, write)

    def load(self, series_id: str, version: date) -> tuple[dict, dict]:
        folder = self._folder(series_id, version)
        if folder is None:
            raise LookupError(f"model registry: {self.model_name(series_id)} has no version of {version}")
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        members = {
            name: pickle.loads((folder / f"{name}.pkl").read_bytes())
            for name in meta["members"]
            if name != "lstm"
        }
        return meta, members

    def lstm_path(self, version: date) -> UPath:
        """Where the global LSTM of ``version`` is: the registered one of that origin, else a new
        registered version's folder (the caller saves the model there)."""
        folder = self._folder(LSTM, version)
        if folder is None:
            folder = self._register(LSTM, version, {"model": "lstm"}, lambda _: None)
        return folder / "model.pt"


def _commit() -> str:
    from resources.model_registry import git_commit

    return git_commit()
