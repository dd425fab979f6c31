"""Versions of the ticket model under ``models/ticket_classifier/<version>/``: the SetFit
folder, the extra heads, ``meta.json`` (training day, label shares, metrics) and the
confusion-matrix images. Any storage root: on an object store the folder is staged through a
local temporary directory (``resources.model_files``), ``meta.json`` uploaded last."""

import hashlib
import json
from datetime import date
from functools import lru_cache

from upath import UPath

from assets.tickets.model import TicketModel
from resources.model_files import readable_dir, writable_dir
from resources.storage import LakehouseStorage

MODEL = "ticket_classifier"


def folder(storage: LakehouseStorage, *parts: str) -> UPath:
    return storage.models(MODEL, *parts)


def model_version(day: date, model_id: str, settings: dict) -> str:
    """Training day plus a hash of the base model and the training settings."""
    digest = hashlib.sha256(json.dumps([model_id, settings], sort_keys=True, default=str).encode())
    return f"{day.isoformat()}-{digest.hexdigest()[:8]}"


def list_versions(storage: LakehouseStorage) -> list[dict]:
    """Meta of every complete saved version, oldest training day first."""
    base = folder(storage)
    metas = ([json.loads((p / "meta.json").read_text()) for p in base.iterdir()
              if (p / "meta.json").exists()] if base.exists() else [])
    return sorted(metas, key=lambda m: (m["trained_on"], m["version"]))


def latest_before(metas: list[dict], day: date) -> dict | None:
    """The newest version trained on or before ``day`` (a backfill never uses a later model)."""
    usable = [m for m in metas if date.fromisoformat(m["trained_on"]) <= day]
    return usable[-1] if usable else None


def save(storage: LakehouseStorage, model: TicketModel, images: dict[str, bytes]) -> UPath:
    target = folder(storage, model.meta["version"])
    with writable_dir(target, marker="meta.json") as local:
        for name, png in images.items():
            (local / f"{name}.png").write_bytes(png)
        model.save(local)  # meta.json written last
    return target


@lru_cache(maxsize=4)
def _load(url: str, stamp: str, storage_options: str) -> TicketModel:
    target = UPath(url, **json.loads(storage_options))
    with readable_dir(target) as local:
        return TicketModel.load(local)


def load(storage: LakehouseStorage, version: str) -> TicketModel:
    """A saved version (cached while its meta.json is unchanged)."""
    target = folder(storage, version)
    meta = target / "meta.json"
    if not meta.exists():
        raise FileNotFoundError(f"{MODEL}: no model version {version} under {target}")
    stamp = hashlib.sha256(meta.read_bytes()).hexdigest()
    return _load(str(target), stamp, json.dumps(dict(target.storage_options), sort_keys=True, default=str))
