"""A SetFit model's artefact holds its head, the layers it tuned and a reference to the shared
base encoder, never a copy of the base: the registry version is a fraction of the encoder's
size, reloads to the same probabilities, and refuses a base encoder that changed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from resources.model_registry import ModelRegistry
from resources.nlp.embeddings import default_model_path
from resources.text_models.setfit_candidate import SetFitText

GOOD = ["service rapide et efficace", "très satisfait de l'appli", "parfait, merci", "excellent support"]
BAD = ["l'appli plante sans arrêt", "très déçu, trop lent", "rien ne marche", "bug à chaque connexion"]


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _version_folder(root: Path) -> Path:
    (meta,) = root.glob("mlflow/artifacts/*/*/artifacts/model/meta.json")
    return meta.parent


@pytest.fixture(scope="module")
def trained():
    texts, labels = GOOD * 3 + BAD * 3, ["positive"] * 12 + ["negative"] * 12
    return SetFitText(steps=4, pairs_per_class=8, trainable_layers=1).fit(texts, labels)


def test_setfit_version_holds_the_tuned_layer_and_a_reference_not_the_encoder(trained, tmp_path):
    registry = ModelRegistry(str(tmp_path))
    version = registry.log_version("setfit_small", trained)
    folder = _version_folder(tmp_path)
    from safetensors import safe_open

    (extra,) = folder.glob("extra_*")
    with safe_open(str(extra / "setfit_layers.safetensors"), "pt") as saved:
        names = list(saved.keys())
    assert names and all(".layer.5." in n for n in names), names  # the top layer only
    assert not any("embeddings" in n for n in names)
    assert not list(folder.rglob("*body*")) and not list(folder.rglob("model.safetensors"))
    encoder = _size(Path(default_model_path()))
    assert _size(folder) < encoder / 5, (_size(folder), encoder)
    reference = json.loads((extra / "setfit_base.json").read_text())
    assert reference["base_encoder"] == ""  # the bundled MiniLM, resolved where it is loaded

    texts = ["L'appli plante sans arrêt, très déçu.", "Parfait, service rapide."]
    loaded = ModelRegistry(str(tmp_path)).load("setfit_small", version)
    assert np.allclose(loaded.predict_proba(texts), trained.predict_proba(texts), atol=1e-6)
    assert loaded.model.body is not trained.body


def test_a_changed_base_encoder_is_refused_by_name(trained, tmp_path):
    registry = ModelRegistry(str(tmp_path))
    version = registry.log_version("setfit_small", trained)
    (extra,) = _version_folder(tmp_path).glob("extra_*")
    reference = json.loads((extra / "setfit_base.json").read_text())
    reference["base_fingerprint"] = "0" * 16  # as if the installed encoder were another one
    (extra / "setfit_base.json").write_text(json.dumps(reference))
    with pytest.raises(ValueError, match="base encoder .* is not the one this model was tuned from"):
        ModelRegistry(str(tmp_path)).load("setfit_small", version)
