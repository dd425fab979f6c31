"""Versioned model store: ``models/forecasting/<grain>/<series>/<version>/`` holds ``meta.json``
(chosen model, members, training window, backtest scores, conformal quantiles, why) and one
pickle per fitted member; ``<grain>/_lstm/<version>/`` holds the global LSTM. The version is the
origin the model was fit at, so a rerun of a day finds exactly the model that day used.
Any storage root (a ``UPath``): ``meta.json`` is written last, so a version exists once complete."""

from __future__ import annotations

import json
import pickle
from datetime import date

from upath import UPath

from resources.model_files import is_local
from resources.storage import LakehouseStorage


def safe_name(series_id: str) -> str:
    return series_id.replace("/", "__").replace(" ", "_")


class ModelStore:
    def __init__(self, storage: LakehouseStorage, grain: str):
        self.base = storage.models("forecasting", grain)

    def _dir(self, series_id: str, version: date) -> UPath:
        return self.base / safe_name(series_id) / version.isoformat()

    def lstm_path(self, version: date) -> UPath:
        return self.base / "_lstm" / version.isoformat() / "model.pt"

    def latest(self, series_id: str, origin: date) -> date | None:
        """Newest version fit at or before ``origin`` (never a later one: no look-ahead)."""
        folder = self.base / safe_name(series_id)
        if not folder.is_dir():
            return None
        found = [date.fromisoformat(p.name) for p in folder.iterdir() if (p / "meta.json").exists()]
        found = [v for v in found if v <= origin]
        return max(found) if found else None

    def save(self, series_id: str, version: date, meta: dict, members: dict) -> None:
        folder = self._dir(series_id, version)
        folder.mkdir(parents=True, exist_ok=True)
        for name, forecaster in members.items():
            (folder / f"{name}.pkl").write_bytes(pickle.dumps(forecaster))
        text = json.dumps(meta, indent=1, default=str)
        if is_local(folder):  # written last, renamed into place: a version exists once complete
            tmp = folder / "meta.json.tmp"
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(folder / "meta.json")
        else:  # an object-store PUT is atomic
            (folder / "meta.json").write_text(text, encoding="utf-8")

    def load(self, series_id: str, version: date) -> tuple[dict, dict]:
        folder = self._dir(series_id, version)
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        members = {
            name: pickle.loads((folder / f"{name}.pkl").read_bytes())
            for name in meta["members"]
            if name != "lstm"
        }
        return meta, members
