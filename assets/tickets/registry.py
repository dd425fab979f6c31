"""Versions of the ticket model under ``models/ticket_classifier/<version>/``: the SetFit
folder, the extra heads, ``meta.json`` (training day, label shares, metrics) and the
confusion-matrix images. Model folders need a local storage root (SetFit saves to a path)."""

import hashlib
import json
from datetime import date
from functools import lru_cache
from pathlib import Path

from assets.tickets.model import TicketModel
from resources.storage import LakehouseStorage

MODEL = "ticket_classifier"


def local_dir(storage: LakehouseStorage, *parts: str) -> Path:
    path = storage.models(MODEL, *parts)
    if path.protocol not in ("", "file", "local"):
        raise ValueError(f"{MODEL}: model folders need a local APPOPS_HOME, got {path}")
    return Path(str(path))


def model_version(day: date, model_id: str, settings: dict) -> str:
    """Training day plus a hash of the base model and the training settings."""
    digest = hashlib.sha256(json.dumps([model_id, settings], sort_keys=True, default=str).encode())
    return f"{day.isoformat()}-{digest.hexdigest()[:8]}"


def list_versions(storage: LakehouseStorage) -> list[dict]:
    """Meta of every saved version, oldest training day first."""
    folder = local_dir(storage)
    metas = [json.loads(p.read_text()) for p in folder.glob("*/meta.json")] if folder.exists() else []
    return sorted(metas, key=lambda m: (m["trained_on"], m["version"]))


def latest_before(metas: list[dict], day: date) -> dict | None:
    """The newest version trained on or before ``day`` (a backfill never uses a later model)."""
    usable = [m for m in metas if date.fromisoformat(m["trained_on"]) <= day]
    return usable[-1] if usable else None


def save(storage: LakehouseStorage, model: TicketModel, images: dict[str, bytes]) -> Path:
    folder = local_dir(storage, model.meta["version"])
    model.save(folder)
    for name, png in images.items():
        (folder / f"{name}.png").write_bytes(png)
    return folder


@lru_cache(maxsize=4)
def _load(folder: str, stamp: float) -> TicketModel:
    return TicketModel.load(Path(folder))


def load(storage: LakehouseStorage, version: str) -> TicketModel:
    """A saved version (cached while its meta.json is unchanged)."""
    folder = local_dir(storage, version)
    meta = folder / "meta.json"
    if not meta.exists():
        raise FileNotFoundError(f"{MODEL}: no model version {version} under {folder}")
    return _load(str(folder), meta.stat().st_mtime)
