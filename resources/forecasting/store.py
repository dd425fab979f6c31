"""Forecasting selections in the one model registry (MLflow, ``resources.model_registry``).

A *selection run* is what one origin of one grain refits: every series due for a new model,
fitted in parallel. It is **one** MLflow run in the experiment ``forecast_<grain>`` (the origin,
how many series, which models won, the median backtest MASE, the git commit) and **one**
version of the registered model ``forecast.<grain>`` tagged with its ``origin``; the alias
``champion`` points at the version of the newest origin. Why not a run and a registered model
per series: with a thousand series that was a thousand runs, registered models, versions and
aliases per origin in the registry's database, about a fifth of the CPU time of
``bench/forecast.py`` at 1,000 series (py-spy, docs/benchmarks.md); the issue allows one
artefact per selection run.

Artefacts live under the storage root (``models/forecasting/<grain>/``: any ``UPath``, so
``s3://`` roots keep their models on the object store; only the registry's SQLite database
stays local, see ``resources.model_registry``): one folder per series' selection
(``meta.json``: chosen model, members, window, backtest scores, conformal quantiles, why; one
pickle per fitted member), written by whichever process fitted it, and one folder per selection
run whose ``index.json`` maps each series to its folder; that folder is the version's source.
Folders are written first and the version registered last, by the process that launched the
fits, so a version exists once complete and parallel workers never write the registry. The
version a series uses is its origin: a rerun of a day finds exactly the model that day used
(the newest registered version of that origin holding the series; never a later origin). The
global LSTM of a grain and origin is a version of ``forecast.<grain>._lstm``.
"""

from __future__ import annotations

import json
import pickle
import statistics
import uuid
from collections import Counter
from datetime import date

from upath import UPath

from resources.model_registry import CHAMPION, ModelRegistry, retry_locked
from resources.storage import LakehouseStorage, store_path

LSTM = "_lstm"
INDEX = "index.json"


def safe_name(series_id: str) -> str:
    return series_id.replace("/", "__").replace(" ", "_")


class ModelStore:
    """Save and find the forecasting selections of one grain (see module docstring)."""

    def __init__(self, storage: LakehouseStorage, grain: str):
        self.base = storage.models("forecasting", grain)
        self.root, self.grain = storage.root, grain
        self._registry: ModelRegistry | None = None
        self._index: dict[str, list[tuple[date, int, str]]] | None = None
        self._lstms: list[tuple[date, int, str]] | None = None
        self._loaded: dict[str, tuple[dict, dict]] = {}

    def __getstate__(self) -> dict:
        """Pickled to pool or Dask workers, which only write artefact folders: no client, no
        cache."""
        return {**self.__dict__, "_registry": None, "_index": None, "_lstms": None, "_loaded": {}}

    @property
    def registry(self) -> ModelRegistry:
        if self._registry is None:
            self._registry = ModelRegistry(self.root)
        return self._registry

    @property
    def model_name(self) -> str:
        """The registered model of this grain's selections."""
        return f"forecast.{self.grain}"

    def _registered(self, name: str) -> list[tuple[date, int, str]]:
        """(origin, version number, source folder) of every version of ``name``, oldest first."""
        try:
            found = self.registry.client.search_model_versions(f"name='{name}'")
        except Exception:  # noqa: BLE001 - no such model yet: MLflow raises its generic error
            found = []
        return sorted(
            (date.fromisoformat(v.tags["origin"]), int(v.version), v.source)
            for v in found
            if "origin" in v.tags
        )

    def _series_index(self) -> dict[str, list[tuple[date, int, str]]]:
        """series -> (origin, version number, series folder), oldest first: every selection
        run's index read once per store (one registry query, one small file per run)."""
        if self._index is None:
            self._index = {}
            for origin, number, source in self._registered(self.model_name):
                index = json.loads((store_path(source) / INDEX).read_text(encoding="utf-8"))
                self._add(origin, number, index)
        return self._index

    def _add(self, origin: date, number: int, index: dict[str, str]) -> None:
        for series_id, folder in index.items():
            self._index.setdefault(series_id, []).append((origin, number, folder))
            self._index[series_id].sort()

    def latest(self, series_id: str, origin: date) -> date | None:
        """Newest version fit at or before ``origin`` (never a later one: no look-ahead)."""
        found = [o for o, _, _ in self._series_index().get(series_id, []) if o <= origin]
        return max(found) if found else None

    def folder(self, series_id: str, version: date) -> UPath | None:
        """The folder of a series' selection at origin ``version`` (newest run of it), or None."""
        found = [(n, f) for o, n, f in self._series_index().get(series_id, []) if o == version]
        return store_path(max(found)[1]) if found else None

    def meta(self, series_id: str, version: date) -> dict:
        """A version's ``meta.json`` only (no members unpickled)."""
        key = str(self._existing(series_id, version))
        if key in self._loaded:
            return dict(self._loaded[key][0])
        return json.loads((store_path(key) / "meta.json").read_text(encoding="utf-8"))

    def _existing(self, series_id: str, version: date) -> UPath:
        found = self.folder(series_id, version)
        if found is None:
            raise LookupError(
                f"model registry: {self.model_name} has no version of {version} for {series_id}"
            )
        return found

    def write(self, series_id: str, version: date, meta: dict, members: dict) -> str:
        """A series' selection folder (``meta.json`` and its members), not yet registered:
        what a worker process does; ``register`` makes it visible."""
        folder = self.base / uuid.uuid4().hex
        folder.mkdir(parents=True, exist_ok=True)
        for member, forecaster in members.items():
            (folder / f"{member}.pkl").write_bytes(pickle.dumps(forecaster))
        (folder / "meta.json").write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
        return str(folder)

    def register(self, version: date, written: list[tuple[dict, str]]) -> str | None:
        """One MLflow run and one version of ``forecast.<grain>`` for the selections ``written``
        ((meta, folder) per series) at origin ``version``; returns the version number."""
        if not written:
            return None
        from mlflow.entities import Metric, Param

        folder = self.base / f"selection-{uuid.uuid4().hex}"
        folder.mkdir(parents=True, exist_ok=True)
        index = {meta["series_id"]: path for meta, path in written}
        (folder / INDEX).write_text(json.dumps(index, indent=1, sort_keys=True), encoding="utf-8")
        chosen = Counter(meta["model"] for meta, _ in written)
        mase = [
            s["mase"]
            for meta, _ in written
            for s in meta.get("backtest", [])
            if isinstance(s, dict) and s.get("name") == meta["model"] and _number(s.get("mase"))
        ]
        metrics = {"series": len(written), **{f"chosen_{m}": n for m, n in chosen.items()}}
        if mase:
            metrics["median_mase_chosen"] = statistics.median(mase)
        tags = {"grain": self.grain, "origin": version.isoformat()}
        registry, name = self.registry, self.model_name
        client = registry.client
        experiment = retry_locked(lambda: registry._experiment(f"forecast_{self.grain}"))
        run = retry_locked(
            lambda: client.create_run(
                experiment, tags={**tags, "artifact_folder": str(folder), "git_commit": _commit()}
            )
        )
        windows = [(m["train_start"], m["train_end"]) for m, _ in written if "train_start" in m]
        params = {"series": len(written), "origin": version.isoformat()}
        if windows:
            params |= {
                "train_start_min": min(w[0] for w in windows),
                "train_end_max": max(w[1] for w in windows),
            }
        retry_locked(
            lambda: client.log_batch(
                run.info.run_id,
                metrics=[Metric(k, float(v), 0, 0) for k, v in metrics.items()],
                params=[Param(k, str(v)) for k, v in params.items()],
            )
        )
        retry_locked(lambda: client.set_terminated(run.info.run_id))
        number = self._new_version(name, folder, run.info.run_id, tags, version)
        if self._index is not None:
            self._add(version, int(number), index)
        return number

    def _new_version(self, name: str, folder: UPath, run_id: str, tags: dict, version: date) -> str:
        client, registry = self.registry.client, self.registry
        try:
            client.get_registered_model(name)
        except Exception:  # noqa: BLE001 - MlflowException RESOURCE_DOES_NOT_EXIST
            try:
                retry_locked(lambda: client.create_registered_model(name))
            except Exception as error:  # another run of the same grain created it meanwhile
                if "already exists" not in str(error):
                    raise
        newest = max([o for o, _, _ in self._registered(name)] or [version])
        found = retry_locked(lambda: client.create_model_version(name, str(folder), run_id=run_id, tags=tags))
        if registry.alias(name, CHAMPION) is None or version >= newest:
            retry_locked(lambda: registry.set_alias(name, CHAMPION, str(found.version)))
        return str(found.version)

    def save(self, series_id: str, version: date, meta: dict, members: dict) -> None:
        """Write and register one series' selection (a selection run of one series)."""
        self.register(
            version, [({**meta, "series_id": series_id}, self.write(series_id, version, meta, members))]
        )

    def load(self, series_id: str, version: date) -> tuple[dict, dict]:
        """(meta, fitted members) of a series' version, read once per store: a model is reused
        for weeks, and unpickling it at every origin (~14 ms a series) was about half of a
        90-day forecasting backfill's steps. The members are shared between calls: no prediction
        depends on what an earlier one left (transferable members condition on the history
        they are given, as the backtests do from one fit; the baselines refit on it)."""
        key = str(self._existing(series_id, version))
        if key not in self._loaded:
            self._loaded[key] = read_selection(key)
        meta, members = self._loaded[key]
        return dict(meta), dict(members)

    def lstm_path(self, version: date) -> UPath:
        """Where the global LSTM of ``version`` is: the registered one of that origin, else a new
        registered version's folder (the caller saves the model there)."""
        name = f"{self.model_name}.{LSTM}"
        if self._lstms is None:
            self._lstms = self._registered(name)
        found = [(n, src) for o, n, src in self._lstms if o == version]
        if found:
            return store_path(max(found)[1]) / "model.pt"
        folder = self.base / uuid.uuid4().hex
        folder.mkdir(parents=True, exist_ok=True)
        client = self.registry.client
        experiment = retry_locked(lambda: self.registry._experiment(f"forecast_{self.grain}"))
        tags = {"grain": self.grain, "origin": version.isoformat()}
        run_tags = {**tags, "model": "lstm", "git_commit": _commit()}
        run = retry_locked(lambda: client.create_run(experiment, tags=run_tags))
        retry_locked(lambda: client.set_terminated(run.info.run_id))
        number = self._new_version(name, folder, run.info.run_id, tags, version)
        self._lstms.append((version, int(number), str(folder)))
        return folder / "model.pt"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def read_selection(folder: str) -> tuple[dict, dict]:
    """(meta, fitted members) from a series' selection folder (the LSTM is loaded apart)."""
    path = store_path(folder)
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    members = {
        name: pickle.loads((path / f"{name}.pkl").read_bytes()) for name in meta["members"] if name != "lstm"
    }
    return meta, members


def _commit() -> str:
    from resources.model_registry import git_commit

    return git_commit()
