"""Inference precision: what ``auto`` means on a CPU, the override, and that bfloat16 encoding
gives the float32 embeddings (forced, so it runs on any CPU, emulated where not native)."""

import numpy as np
import pytest

from resources.nlp import precision
from resources.nlp.embeddings import EmbeddingModel


def test_native_bf16_is_read_from_the_cpu_flags(tmp_path):
    with_amx = tmp_path / "amx"
    with_amx.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f amx_bf16 amx_tile\n")
    without = tmp_path / "plain"
    without.write_text("processor\t: 0\nflags\t\t: fpu sse avx2\n")
    assert precision.cpu_has_native_bf16.__wrapped__(str(with_amx))
    assert not precision.cpu_has_native_bf16.__wrapped__(str(without))
    assert not precision.cpu_has_native_bf16.__wrapped__(str(tmp_path / "missing"))


def test_default_is_fp32_on_any_cpu(monkeypatch):
    """The default must not depend on the CPU: clusters and labels are the same everywhere."""
    monkeypatch.delenv("APPOPS_INFERENCE_PRECISION", raising=False)
    for native in (True, False):
        monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda native=native: native)
        assert precision.resolve() == "fp32"
        assert EmbeddingModel().precision == "fp32"
        assert precision.resolve(EmbeddingModel().precision) == "fp32"


def test_auto_follows_the_cpu_and_the_environment_overrides(monkeypatch):
    monkeypatch.delenv("APPOPS_INFERENCE_PRECISION", raising=False)
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert precision.resolve("auto") == "bf16"
    assert precision.resolve("auto", device="cuda") == "fp32"
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    assert precision.resolve("auto") == "fp32"
    assert precision.resolve("bf16") == "bf16"
    monkeypatch.setenv("APPOPS_INFERENCE_PRECISION", "fp32")
    assert precision.resolve("bf16") == "fp32"
    monkeypatch.setenv("APPOPS_INFERENCE_PRECISION", "auto")
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert precision.resolve() == "bf16"
    monkeypatch.setenv("APPOPS_INFERENCE_PRECISION", "fp16")
    with pytest.raises(ValueError, match="fp16"):
        precision.resolve()


def test_bf16_embeddings_match_fp32(monkeypatch):
    monkeypatch.delenv("APPOPS_INFERENCE_PRECISION", raising=False)
    texts = [
        "Serveur de paiement indisponible depuis 8h",
        "VPN connection drops every hour",
        "Impossible de me connecter à l'appli mobile",
        "Disk full on batch server",
    ]
    fp32 = EmbeddingModel(precision="fp32").encode(texts)
    bf16 = EmbeddingModel(precision="bf16").encode(texts)
    assert fp32.dtype == bf16.dtype == np.float32
    assert not np.array_equal(fp32, bf16)  # bfloat16 really ran
    assert np.min(np.sum(fp32 * bf16, axis=1)) > 0.995
    np.testing.assert_allclose(np.linalg.norm(bf16, axis=1), 1.0, atol=1e-3)


def test_encodings_run_on_the_step_threads_and_restore_torchs_own(monkeypatch):
    """Inside a step (``APPOPS_STEP_THREADS``, set by definitions.py) an encoding uses that
    many torch threads and gives the same embeddings; torch's setting is restored after, and
    without the variable nothing is changed."""
    import torch

    seen = []
    real = EmbeddingModel().load().encode

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(EmbeddingModel().load(), "encode", spy)
    texts = ["le serveur ne répond plus", "password reset for the VPN"]
    before = torch.get_num_threads()
    monkeypatch.delenv("APPOPS_STEP_THREADS", raising=False)
    default = EmbeddingModel().encode(texts)
    monkeypatch.setenv("APPOPS_STEP_THREADS", "1")
    one = EmbeddingModel().encode(texts)
    assert seen == [before, 1] and torch.get_num_threads() == before
    np.testing.assert_allclose(one, default, atol=1e-5)


def test_definitions_give_each_step_its_share_of_the_cores():
    import os

    import definitions

    assert os.environ["APPOPS_STEP_THREADS"] == str(
        max(1, len(os.sched_getaffinity(0)) // definitions.MAX_CONCURRENT_STEPS)
    )
